// The shipping address of a benchmark checkout: a Moroccan address in Rabat, different for each
// guest (name, street line and mobile number), as real shoppers' are. The engine remembers the
// addresses it has checked recently; one address for every checkout (what the drivers sent up
// to 2026-12-03) made every checkout after the first find its address remembered, flattering
// the figures. BENCH_ONE_ADDRESS=1 sends that one address again, for comparing with older runs.

const ONE = process.env.BENCH_ONE_ADDRESS === '1';

/** The address of guest number `guest` (an integer >= 0). */
export function addressFor(guest) {
  if (ONE) {
    return {
      name: 'Client Test', line1: 'N° 1, Rue Test', line2: null, city: 'Rabat',
      postal_code: '10000', country: 'MA', phone: '0600000000',
    };
  }
  const n = guest % 10_000_000;
  return {
    name: `Client ${n}`,
    line1: `N° ${(n % 300) + 1}, Rue ${n}`,
    line2: null,
    city: 'Rabat',
    postal_code: '10000',
    country: 'MA',
    // 061 then 7 digits: a Moroccan mobile number under the numbering plan.
    phone: `061${String(n).padStart(7, '0')}`,
  };
}
