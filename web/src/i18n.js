// i18n.js: the console's language. Chinese first; English one click away, remembered in
// localStorage. Texts are written in place as pairs - t('保存', 'Save') - so every screen reads
// in both languages where it is written and no key file has to be kept in step.
import { ref, computed } from 'vue';

const STORAGE_KEY = 'shequ.lang';
export const lang = ref(localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh-CN');
export const isEn = computed(() => lang.value === 'en');

export function setLang(l) {
  lang.value = l === 'en' ? 'en' : 'zh-CN';
  localStorage.setItem(STORAGE_KEY, lang.value);
  document.documentElement.lang = lang.value;
}
document.documentElement.lang = lang.value;

export function t(zh, en) {
  return lang.value === 'en' ? en : zh;
}

// Declarations from /api/v1/meta carry label_zh and label_en.
export function label(obj) {
  if (!obj) return '';
  return (lang.value === 'en' ? obj.label_en : obj.label_zh) || obj.label_zh || obj.name || obj.code || '';
}
