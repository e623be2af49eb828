/**
 * How a batch of M rewards becomes parallel work without breaking their order: rows are grouped by
 * slot (stable, so a user's rewards stay in batch order), one GPU invocation per distinct slot walks
 * its group sequentially. Sherman–Morrison updates of one A⁻¹ do not commute in floating point and
 * each depends on the last, so a user repeated in the batch must never be split across invocations.
 */
export interface UpdatePlan {
  /** Row indices of the batch, grouped by slot, batch order within a group. [M] */
  rowOrder: Int32Array;
  /** Group g spans rowOrder[groupStart[g] .. groupStart[g+1]). [G+1] */
  groupStart: Int32Array;
  /** The slot of group g, in order of first appearance. [G] */
  groupSlot: Int32Array;
}

export function planUpdate(slots: Int32Array): UpdatePlan {
  const m = slots.length;
  const groupOf = new Map<number, number>();
  const counts: number[] = [];
  const groupSlots: number[] = [];
  const rowGroup = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const s = slots[i]!;
    let g = groupOf.get(s);
    if (g === undefined) {
      g = groupSlots.length;
      groupOf.set(s, g);
      groupSlots.push(s);
      counts.push(0);
    }
    rowGroup[i] = g;
    counts[g] = counts[g]! + 1;
  }
  const groups = groupSlots.length;
  const groupStart = new Int32Array(groups + 1);
  for (let g = 0; g < groups; g++) groupStart[g + 1] = groupStart[g]! + counts[g]!;
  const fill = groupStart.slice(0, groups);
  const rowOrder = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const g = rowGroup[i]!;
    rowOrder[fill[g]!] = i;
    fill[g] = fill[g]! + 1;
  }
  return { rowOrder, groupStart, groupSlot: Int32Array.from(groupSlots) };
}
