// Which chat hours a relay announces to visitors: the chat calendar of the `hours` setting (its own
// or the shared schedule). The console's built-in relay takes it from the settings it runs with;
// `attend relay` from `--hours FILE` (for a relay on another machine) or else the settings file.
import { readFileSync } from 'node:fs';
import { openSettingsFast, type Settings } from '../../config/settings-open.js';
import { type Calendar, type HoursSettings, hoursProblems, isOpen, nextOpening, resolveHours } from '../../policy/business-hours.js';

export function chatHoursOf(settings: Settings): Calendar | undefined {
  return resolveHours(settings.get('hours')).chat;
}

/**
 * `--hours FILE`: a JSON file holding the `hours` object, or a settings file with an `hours` key.
 * Without a file: the settings file's `hours` (none: always open). Problems are thrown as one line.
 */
export async function chatHoursForRelay(file: string | undefined, env: NodeJS.ProcessEnv): Promise<Calendar | undefined> {
  if (file === undefined) return chatHoursOf(await openSettingsFast(env));
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`--hours ${file}: ${e.code === 'ENOENT' ? 'no such file' : e instanceof SyntaxError ? `not JSON (${e.message})` : e.message}`);
  }
  const hours = typeof data === 'object' && data !== null && 'hours' in data ? (data as { hours: unknown }).hours : data;
  const problems = hoursProblems(hours);
  if (problems.length > 0) throw new Error(`--hours ${file}: ${problems.join('; ')}`);
  const calendar = resolveHours(hours as HoursSettings).chat;
  if (!calendar) throw new Error(`--hours ${file}: no chat hours in it (give "weekly" or "chat": {"weekly": …})`);
  return calendar;
}

/** "chat hours (Europe/Berlin): open now" / "…: closed until Mon, 07 Dec, 09:00" (the shop's time). */
export function describeChatHours(cal: Calendar | undefined, now: number): string {
  if (!cal) return 'chat hours: always open (no `hours` setting)';
  if (isOpen(now, cal)) return `chat hours (${cal.timeZone}): open now`;
  const opens = new Date(nextOpening(now, cal)).toLocaleString('en-GB', { timeZone: cal.timeZone, weekday: 'short', day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' });
  return `chat hours (${cal.timeZone}): closed until ${opens}`;
}
