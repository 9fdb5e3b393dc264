// early.js: starts the requests every signed-in page needs (/auth/me and /api/v1/meta) as soon as
// the first modules run, while the browser is still evaluating Element Plus - main.js imports this
// module first. store.loadSession takes the answers (or the error) once; later calls fetch anew.
import { api } from './api.js';

let early = location.pathname.startsWith('/login') ? null
  : Promise.all([api.get('/auth/me'), api.get('/meta')]);
if (early) early.catch(() => {});          // not signed in: loadSession sees the error when it asks

export function takeEarlySession() {
  const p = early;
  early = null;
  return p;
}
