// units.js: org units by id, fetched once per page load and shared - the top-bar picker, a list's
// unit filter, the org_units list's code range and the dashboard all start from the same units.
// Forgotten at sign-out, since the next user may see other units.
import { api } from './api.js';

const requests = new Map();

export function unitById(id) {
  if (!requests.has(id))
    requests.set(id, api.get(`/org_units/${id}`).then((r) => r.data, (e) => { requests.delete(id); throw e; }));
  return requests.get(id);
}

export function forgetUnits() {
  requests.clear();
}
