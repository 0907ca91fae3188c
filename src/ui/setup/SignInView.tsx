// What a sign-in asks of the person, big and clear: the device flow's page and code (typed on any
// device, a phone too: this works over SSH), or the URL to open for a browser sign-in and, when
// nothing listens here, where to paste the address the browser ends up at. Never a token.
import { Box, Text } from 'ink';
import type { SignInPrompt } from '../../app/email/oauth-session.js';
import { clock, safeLine } from '../text.js';
import type { Theme } from '../theme.js';

export function SignInView(p: { prompt: SignInPrompt; theme: Theme; width: number }) {
  const { prompt, theme } = p;
  if (prompt.kind === 'device') {
    const code = safeLine(prompt.userCode);
    const frame = '─'.repeat([...code].length + 6);
    return (
      <Box flexDirection="column">
        <Text>On any device with a browser (a phone works too), open</Text>
        <Text bold color={theme.accent}>
          {'    '}
          {safeLine(prompt.verificationUri)}
        </Text>
        <Text>and enter the code</Text>
        <Text>{`    ┌${frame}┐`}</Text>
        <Text>
          {'    │   '}
          <Text bold color={theme.accent}>
            {code}
          </Text>
          {'   │'}
        </Text>
        <Text>{`    └${frame}┘`}</Text>
        {prompt.verificationUriComplete ? <Text dimColor={theme.dim}>{`(or open ${safeLine(prompt.verificationUriComplete)})`}</Text> : null}
        <Text>{`The code works until ${clock(prompt.expiresAt)}. Waiting for you to sign in…`}</Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column">
      <Text>Open this address in a browser and sign in:</Text>
      {/* Not clipped: the whole URL must be there to copy, wrapped over lines if need be. */}
      <Text bold color={theme.accent} wrap="wrap">
        {safeLine(prompt.url)}
      </Text>
      {prompt.listening ? (
        <Text>{`attend listens at ${safeLine(prompt.redirectUri)} for the browser to come back.`}</Text>
      ) : (
        <Text>The browser then shows a page that does not load: copy that page's address.</Text>
      )}
    </Box>
  );
}
