// Checks (i) and (ii) of the version checker, on successful puts and cases alone.
// (i) The counter hands each version out once, so two successful writes with one
// version cannot both be real. (ii) Versions follow the linearization order, which
// extends real-time order: if a returned before b was called, version(a) < version(b).
// Sorted by version, (ii) fails exactly when some write was called after a
// higher-versioned write returned; the latest call so far finds it in one pass.
import { precedes } from './history.ts';
import { describePancydbOperation as show, violation, type PancydbOperation, type PancydbViolation } from './pancydb-violation.ts';

export function checkWriteOrder(writes: readonly PancydbOperation[]): PancydbViolation[] {
  const violations: PancydbViolation[] = [];
  const byVersion = [...writes].sort((a, b) => a.output!.version - b.output!.version || a.id - b.id);
  let latestCall: PancydbOperation | undefined;
  byVersion.forEach((write, index) => {
    const before = byVersion[index - 1];
    if (before !== undefined && before.output!.version === write.output!.version) {
      violations.push(violation('duplicate-version', `version ${write.output!.version} returned twice: ${show(before)} and ${show(write)}`, [before, write]));
    }
    if (latestCall !== undefined && precedes(write, latestCall)) {
      violations.push(
        violation(
          'version-order',
          `${show(write)} returned before ${show(latestCall)} was called, yet has the higher version`,
          [latestCall, write],
        ),
      );
    }
    if (latestCall === undefined || write.callMs > latestCall.callMs) latestCall = write;
  });
  return violations;
}
