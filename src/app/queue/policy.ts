// The policy settings (targets, priority rules, focus) as the queue uses them. Reading and merging
// them costs a file read (conf and its schema when the file changed); `list` and the console's
// first frame should not pay that on every start, so the merged policy is cached in the store
// beside the stamp (size and mtime) of the settings file it came from.
import { type PolicySettings, policyFromSettings } from '../../config/policy-settings.js';
import { openSettingsFast, type Settings, settingsFiles, stampOf } from '../../config/settings-open.js';
import type { Db } from '../../store/db.js';
import { getMeta, markBacklog, putMeta } from '../../store/ranks.js';
import type { AppContext } from '../context.js';
import { refreshRanks } from './ranks.js';

export function policyOf(settings: Settings): PolicySettings {
  return policyFromSettings((key) => settings.get(key as never));
}

/** The current policy, from the cache when the settings file has not changed since it was read. */
export async function currentPolicy(db: Db, env: NodeJS.ProcessEnv, settings?: Settings): Promise<PolicySettings> {
  const stamp = stampOf(settingsFiles(env).file);
  if (!settings && getMeta(db, 'policy_stamp') === stamp) {
    const cached = getMeta(db, 'policy_json');
    if (cached) return JSON.parse(cached) as PolicySettings;
  }
  const s = settings ?? (await openSettingsFast(env));
  const policy = policyOf(s);
  const json = JSON.stringify(policy);
  // Unchanged: read-only, like the cached path (no write lock while a sync writes).
  if (getMeta(db, 'policy_stamp') === stamp && getMeta(db, 'policy_json') === json) return policy;
  db.transaction(() => {
    putMeta(db, 'policy_json', json);
    putMeta(db, 'policy_stamp', stamp);
  }).immediate();
  return policy;
}

/** Brings the queue up to date before reading it: ranks what changed, moves what the clock made backlog. */
export async function prepareQueue(ctx: Pick<AppContext, 'db' | 'env' | 'now'>, settings?: Settings): Promise<PolicySettings> {
  const policy = await currentPolicy(ctx.db, ctx.env, settings);
  const now = ctx.now();
  refreshRanks(ctx.db, policy, now);
  markBacklog(ctx.db, now);
  return policy;
}
