// router.js: the console's pages. Record pages are generic: /r/<resource> lists any declared
// record kind (from /api/v1/meta), so a kind added on the server gets its pages with no new
// code here. Signing in is checked before every page; an ended session returns to /login and
// then back to the page the user was on.
import { createRouter, createWebHistory } from 'vue-router';
import { store, loadSession, clearSession } from './store.js';
import { onSessionEnded } from './api.js';
import Shell from './layout/Shell.vue';

// Pages load when first visited: opening /r/persons fetches the list page's modules, not the
// dashboard's or the sign-in page's.
const Login = () => import('./pages/Login.vue');
const Dashboard = () => import('./pages/Dashboard.vue');
const RecordPage = () => import('./pages/RecordPage.vue');
const NotFound = () => import('./pages/NotFound.vue');
// eldercare workflow screens the generic record pages cannot give (issue 5 point 12)
const AssessmentDue = () => import('./pages/AssessmentDue.vue');
const AssessmentPage = () => import('./pages/AssessmentPage.vue');
const AllowanceCycles = () => import('./pages/AllowanceCycles.vue');
const AllowanceCycle = () => import('./pages/AllowanceCycle.vue');
const IntakePage = () => import('./pages/IntakePage.vue');
const DispatchBoard = () => import('./pages/DispatchBoard.vue');
const MyVisits = () => import('./pages/MyVisits.vue');

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: Login, meta: { public: true } },
    {
      path: '/', component: Shell, children: [
        { path: '', name: 'home', component: Dashboard },
        { path: 'r/:res', name: 'records', component: RecordPage, props: true },
        { path: 'eldercare/assess', name: 'assess-due', component: AssessmentDue },
        { path: 'eldercare/assess/:elderId(\\d+)', name: 'assess', component: AssessmentPage, props: true, meta: { menu: '/eldercare/assess' } },
        { path: 'eldercare/allowances', name: 'allowance-cycles', component: AllowanceCycles },
        { path: 'eldercare/allowances/:id(\\d+)', name: 'allowance-cycle', component: AllowanceCycle, props: true, meta: { menu: '/eldercare/allowances' } },
        { path: 'eldercare/intake', name: 'intake', component: IntakePage },
        { path: 'eldercare/dispatch', name: 'dispatch', component: DispatchBoard },
        { path: 'eldercare/my-visits', name: 'my-visits', component: MyVisits },
        { path: ':pathMatch(.*)*', name: 'not-found', component: NotFound },
      ],
    },
  ],
});

router.beforeEach(async (to) => {
  // fetch the page's modules while the session is checked, not after
  for (const m of to.matched) for (const c of Object.values(m.components || {})) if (typeof c === 'function') c();
  if (to.meta.public) return true;
  if (!store.user) {
    try {
      await loadSession();
    } catch {
      return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} };
    }
  }
  // a caregiver's console is their visits: the dashboard's figures are not theirs to read
  if (to.name === 'home' && store.user && store.user.roles.length === 1 && store.user.roles[0] === 'caregiver') return { name: 'my-visits' };
  return true;
});

onSessionEnded(() => {
  if (!store.user) return;
  clearSession();
  const here = router.currentRoute.value;
  if (here.name !== 'login') router.push({ name: 'login', query: { redirect: here.fullPath, expired: '1' } });
});
