// screen.js: whether the console runs on a phone-width screen (grid staff in the street), for
// components that lay out differently there - forms label on top, drawers take the full width.
import { ref } from 'vue';

const query = window.matchMedia('(max-width: 600px)');
export const narrow = ref(query.matches);
query.addEventListener('change', (e) => { narrow.value = e.matches; });
