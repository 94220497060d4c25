import { formatProblem, type Problem } from "../../../components/core";

/** Problems as the lines a user reads. */
export function messages(problems: readonly Problem[]): string[] {
  return problems.map(formatProblem);
}
