// The median of a list of numbers (0 for none), shared by the benchmarks and the class report.

/** The middle value of `values` sorted, or the mean of the two middle ones; 0 for an empty list. */
export function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return 0;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}
