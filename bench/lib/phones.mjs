/**
 * Distinct, possible recipients (Colombian mobiles written in international form), so that
 * no per-recipient cache can make a send cheaper than it is for a real list of customers.
 */
export function recipients(count) {
  const list = [];
  for (let i = 0; i < count; i++) {
    const n = String(1_000_000 + ((i * 7_919) % 9_000_000)).padStart(7, '0');
    list.push(`+57 30${i % 10} ${n.slice(0, 3)} ${n.slice(3)}`);
  }
  return list;
}

/** The digits a client would put in `destination_addr` for `+57 30x xxx xxxx`. */
export function digitsOf(phone) {
  return phone.replace(/\D/g, '');
}
