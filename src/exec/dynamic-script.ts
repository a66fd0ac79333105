/**
 * Script text that only exists at run time. The command policy judges the text a shell will run;
 * text that is decoded, decrypted or substituted just before it runs (`base64 -d | sh`,
 * `eval "$X"`, `bash -c "$(…)"`) cannot be judged, so it is refused as a class (rule
 * `dynamic.shell-script`) instead of trying to guess what it will say. The shell model
 * (text/shell-model.ts) says when text is opaque; this file is the rule that refuses it.
 *
 * This also refuses some common, legitimate lines such as `eval "$(ssh-agent -s)"` or
 * `bash -c "cd $DIR && make"`. That is deliberate: the alternative would let any destructive
 * command through behind one variable. The model can write the resolved command instead, the
 * sandbox (L11) still confines whatever runs, and an operator can approve the exact line (L13).
 */
import type { RuleHit } from './command-rules.js';

export const DYNAMIC_SCRIPT_RULE = 'dynamic.shell-script';

export function dynamicScriptHit(why: string): RuleHit {
  return {
    ruleId: DYNAMIC_SCRIPT_RULE,
    reason: `${why}: the policy cannot see the commands it will run; write the resolved command instead (the operator can approve the exact line)`,
  };
}
