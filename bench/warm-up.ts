/**
 * Fails a peer row whose warm-up ran into its first round: that round would start late and the CPU window would
 * hold warm-up work. The orchestrator's allowance (`warmUpOf` in peer.ts) is generous; this says when it was not.
 */
export function assertWarmBefore(firstRoundAt: number | undefined): void {
  if (firstRoundAt === undefined) return;
  const over = Date.now() - firstRoundAt;
  if (over > 0) throw new Error(`the warm-up ran ${over} ms into the first round: allow it more time`);
}
