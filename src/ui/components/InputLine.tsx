import type { ConsoleState } from '../state/console-state.js';
import type { PromptHandlers } from '../commands/prompt-handlers.js';
import type { Theme } from '../theme.js';
import { Prompt } from './Prompt.js';

/** The input under the conversation: the inline chat reply, or an open one-line dialog; else nothing. */
export function InputLine(p: { state: ConsoleState; handlers: PromptHandlers; refOf?: (id: number) => string; width: number; theme: Theme }) {
  const { composer, overlay } = p.state;
  const h = p.handlers;
  if (composer)
    return (
      <Prompt
        label={`reply ${p.refOf ? p.refOf(composer.id) : `#${composer.id}`}>`}
        value={composer.value}
        onChange={(v) => h.composerChange(composer.id, v)}
        onSubmit={h.composerSubmit}
        width={p.width}
        theme={p.theme}
      />
    );
  if (overlay?.kind === 'prompt')
    return <Prompt label={overlay.label} value={overlay.value} onChange={(v) => h.overlayChange(overlay.token, v)} onSubmit={h.promptSubmit} width={p.width} theme={p.theme} />;
  return null;
}
