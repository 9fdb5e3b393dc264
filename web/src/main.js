// main.js: starts the console - Vue, Element Plus (its Chinese or English texts follow the
// chosen language in App.vue), the router.
import './early.js';              // first: starts the session requests while the rest loads
import { createApp } from 'vue';
import ElementPlus from 'element-plus';
import App from './App.vue';
import { router } from './router.js';

const app = createApp(App);
app.use(ElementPlus);
app.use(router);
app.mount('#app');
