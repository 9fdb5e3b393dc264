// assessmentForm.js: GET /api/v1/assessments/form (items and level bands of both standards, and the
// staff the signed-in user may name as assessors or reviewers), fetched once per session.
import { api } from '../../api.js';
import { store } from '../../store.js';

let cached = null, cachedFor = null;
export async function loadAssessmentForm() {
  const who = store.user && store.user.id;
  if (!cached || cachedFor !== who) {
    cachedFor = who;
    cached = api.get('/assessments/form').then((r) => r.data).catch((e) => { cached = null; throw e; });
  }
  return cached;
}
