/**
 * The desired size a schedule transition leaves a node group at (the scaling state machine in
 * assets/cdk/lib/schedule-stack.ts): min becomes `target`, desired becomes max(current desired, target), so a
 * group the autoscaler grew is never shrunk by the schedule.
 */
export function scheduledDesiredSize(currentDesired: number, target: number): number {
  return Math.max(currentDesired, target);
}
