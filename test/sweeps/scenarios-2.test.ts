// Shipped scenarios, part 2 of 4 (test/support/scenario-sweep.ts): safety on every seed,
// the stated liveness bound where a scenario gives one, and for negative scenarios a
// violation the checkers must find.
import { describeShippedScenarios } from '../support/scenario-sweep.ts';

describeShippedScenarios(1, 4);
