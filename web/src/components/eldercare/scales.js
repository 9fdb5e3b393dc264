// scales.js: what each score of an assessment item means, as GB/T 42195-2022 appendix B and the
// Barthel index word it, for the assessment form's choices. The items, their ranges and the level
// bands come from the server (GET /api/v1/assessments/form); these are only the descriptions, looked
// up by item and score (a score without one shows as its number).
import { t } from '../../i18n.js';

// the standard's five-step wording shared by most self-care and mobility items
const GENERAL = [
  ['完全依赖他人，且不能给予配合', 'Fully dependent, cannot cooperate'],
  ['主要依靠他人协助，自身能给予配合', 'Mostly helped by others, cooperates'],
  ['需要他人协助，但以自身完成为主', 'Needs help, does most of it'],
  ['在他人指导或提示下完成', 'Does it with guidance or prompting'],
  ['独立完成', 'Independent'],
];
const ABILITY = [
  ['完全不能', 'Not at all'],
  ['有严重困难，需要大量他人帮助', 'Severe difficulty, much help'],
  ['有困难，需频繁重复或简化口头表达', 'Difficult; needs repetition or simpler words'],
  ['能做到，但需要增加时间', 'Manages, given more time'],
  ['正常', 'Normal'],
];

// code -> descriptions indexed by score ([zh, en])
const GBT = {
  'B1.1': [['完全依赖他人协助进食，或吞咽困难，或留置营养管', 'Fully dependent, swallowing difficulty or feeding tube'],
    ['进食中需要大量接触式协助，或经常（每周一次及以上）呛咳', 'Much hands-on help, or chokes weekly'],
    ['进食中需要少量接触式协助，或偶尔（每月一次及以上）呛咳', 'Some hands-on help, or chokes monthly'],
    ['在他人指导或提示下完成，或独立使用辅具，没有呛咳', 'With prompting or aids, no choking'],
    ['独立使用器具将食物送进口中并咽下，没有呛咳', 'Independent, no choking']],
  'B1.6': [['小便失禁，完全不能控制排尿，或留置导尿管', 'Incontinent, or catheter'],
    ['白天大部分时间不能控制排尿（每天≥1次），夜间失禁，或他人大量协助使用尿垫', 'Mostly uncontrolled by day, incontinent at night'],
    ['偶有失禁（每天<1次，每周>1次），夜间控制较差，或他人少量协助使用尿垫', 'Occasional incontinence, some help with pads'],
    ['白天可自行控制，夜间排尿增多或控制较差，或自行使用尿垫', 'Controlled by day, worse at night, or own pads'],
    ['可自行控制排尿，次数和控制均正常', 'Normal control']],
  'B1.7': [['严重便秘或完全大便失禁，需他人协助排便或清洁', 'Severe constipation or fully incontinent'],
    ['大部分时间（每天≥1次）便秘或失禁，或他人大量协助', 'Most of the time, or much help'],
    ['经常（每天<1次，每周>1次）便秘或失禁，或他人少量协助', 'Often, or some help'],
    ['有时（每周<1次）便秘或失禁，或自行使用开塞露、尿垫', 'Sometimes, or manages aids alone'],
    ['可正常自行控制大便排出', 'Normal control']],
  'B2.3': [['完全不能步行', 'Cannot walk'], ['步行时需要他人大量扶持', 'Walks with much support'],
    ['步行时需要他人少量扶持', 'Walks with some support'],
    ['能平地步行50米左右，有摔倒风险，需监护或使用拐杖、助行器', 'Walks 50 m with supervision or a walking aid'],
    ['独立平地步行50米左右，且无摔倒风险', 'Walks 50 m alone, no risk of falling']],
  'B2.4': [['主要或完全依靠他人', 'Mostly or fully dependent'], ['需要他人协助，但以自身完成为主', 'Needs help, does most of it'],
    ['在他人指导或提示下完成', 'With guidance or prompting'], ['可独立上下楼梯（连续10～15个台阶）', 'Independent (10-15 steps)']],
  'B3.1': [['无时间观念', 'No sense of time'], ['年月日不清楚，可知上午、下午或白天、夜间', 'Knows only morning/afternoon or day/night'],
    ['年月日不清楚，可知上半年或下半年或季节', 'Knows only the half-year or season'],
    ['时间观念有些下降，年月日（或星期几）不能全部分清', 'Somewhat confused about the date'],
    ['时间观念（年、月）清楚，日期（或星期几）可相差一天', 'Clear about year and month']],
  'B3.2': [['不能单独外出，无空间观念', 'Cannot go out alone, no sense of place'],
    ['不能单独外出，知道较少自己居住地的地址信息', 'Cannot go out alone, knows little of the address'],
    ['不能单独外出，但知道较多有关日常生活的地址信息', 'Cannot go out alone, knows much of the address'],
    ['不能单独外出，但准确知道日常生活所在地的地址', 'Cannot go out alone, knows the address'],
    ['能在日常生活范围内单独外出', 'Goes out alone in the neighbourhood']],
  'B3.3': [['不认识任何人（包括自己）', 'Recognises nobody, not even self'],
    ['只认识自己或极少数日常同住的亲人或照护者', 'Recognises only self or very few'],
    ['能认识部分日常同住的亲人或照护者', 'Recognises some family or carers'],
    ['能认识大部分共同生活的人，能称呼或知道关系', 'Recognises most housemates'],
    ['认识长期共同生活的人，能称呼并知道关系', 'Recognises housemates and relations']],
  'B3.4': [['记忆完全紊乱或完全不能回忆', 'Memory completely disordered'],
    ['重度紊乱（不能回忆远期记忆，如老朋友）', 'Severe (cannot recall old friends)'],
    ['中度紊乱（不能回忆近期记忆，如上一顿饭）', 'Moderate (cannot recall the last meal)'],
    ['轻度紊乱（3个词语5分钟后仅能回忆0～1个）', 'Mild (recalls 0-1 of 3 words after 5 min)'],
    ['记忆正常，能完整地回忆', 'Normal']],
  'B3.5': ABILITY.map(([zh, en]) => [zh.replace('能做到', '能理解他人的话'), en]),
  'B3.6': ABILITY.map(([zh, en]) => [zh.replace('能做到', '能表达自己的需要'), en]),
  'B3.7': [['近一个月内出现过攻击行为（身体或语言）', 'Aggression in the past month'], ['未出现', 'None']],
  'B3.8': [['近一个月内出现过负性情绪', 'Low mood in the past month'], ['未出现', 'None']],
  'B3.9': [['昏睡或昏迷（昏迷者直接评定为能力完全丧失）', 'Stupor or coma'], ['嗜睡或意识模糊', 'Drowsy or confused'],
    ['神志清醒，对周围环境能做出正确反应', 'Alert and responsive']],
  'B4.1': [['只能看到光、颜色和形状，或完全失明', 'Light, colour and shape only, or blind'],
    ['能看清大字体或仅能辨认物体', 'Large print or objects only'], ['视力正常', 'Normal']],
  'B4.2': [['大声慢说才能部分听见，或完全失聪', 'Hears only loud slow speech, or deaf'],
    ['轻声或距离超过2米听不清，需安静环境或大声说话', 'Needs quiet or a raised voice'], ['听力正常', 'Normal']],
  'B4.3': [['完全依赖他人进行日常事务', 'Fully dependent'], ['需要大量协助', 'Much help'], ['需要少量协助', 'Some help'],
    ['需要他人监护或指导', 'Supervision or guidance'], ['能完全独立计划、安排和完成日常事务', 'Fully independent']],
  'B4.4': [['只能在协助下乘出租车或私家车，或完全不能外出', 'Only with help by taxi or car, or not at all'],
    ['有人协助或陪伴可搭乘公共交通', 'Public transport with company'],
    ['能自己搭乘出租车，但不会乘其他公共交通', 'Takes a taxi alone only'], ['能自己骑车或搭乘公共交通外出', 'Cycles or uses public transport']],
  'B4.5': [['不能与人交往', 'Cannot interact'], ['勉强可与他人接触，谈吐内容不清楚，表情不恰当', 'Barely interacts'],
    ['脱离社会，可被动接触，不会主动待人', 'Withdrawn, only passive contact'],
    ['能适应单纯环境，主动接触他人', 'Copes in simple settings, approaches others'],
    ['参与社会，待人接物恰当', 'Takes part in society appropriately']],
};

// Barthel: code -> { score: [zh, en] }
const BARTHEL = {
  feeding: { 10: ['独立进食', 'Independent'], 5: ['需部分帮助（如切食物）', 'Needs some help'], 0: ['完全依赖', 'Dependent'] },
  bathing: { 5: ['独立洗澡', 'Independent'], 0: ['需要帮助', 'Needs help'] },
  grooming: { 5: ['独立洗脸、梳头、刷牙、剃须', 'Independent'], 0: ['需要帮助', 'Needs help'] },
  dressing: { 10: ['独立穿脱衣服、系扣、拉链', 'Independent'], 5: ['需部分帮助', 'Needs some help'], 0: ['完全依赖', 'Dependent'] },
  bowels: { 10: ['可控制大便', 'Continent'], 5: ['偶尔失控（每周<1次）', 'Occasional accident'], 0: ['完全失控', 'Incontinent'] },
  bladder: { 10: ['可控制小便', 'Continent'], 5: ['偶尔失控（每天<1次）', 'Occasional accident'], 0: ['完全失控或留置导尿管', 'Incontinent or catheter'] },
  toilet: { 10: ['独立如厕', 'Independent'], 5: ['需部分帮助', 'Needs some help'], 0: ['完全依赖', 'Dependent'] },
  transfers: { 15: ['独立床椅转移', 'Independent'], 10: ['需少量帮助或监护', 'Minor help or supervision'],
    5: ['需较多帮助（一人或两人），能坐', 'Major help, can sit'], 0: ['完全依赖，不能坐', 'Unable'] },
  mobility: { 15: ['独立平地行走45米', 'Walks 45 m alone'], 10: ['需一人帮助行走', 'Walks with one person\'s help'],
    5: ['使用轮椅独立活动', 'Independent in a wheelchair'], 0: ['不能行走', 'Immobile'] },
  stairs: { 10: ['独立上下楼梯', 'Independent'], 5: ['需要帮助或监护', 'Needs help or supervision'], 0: ['不能上下楼梯', 'Unable'] },
};

// The choices of one item, highest score first: [{ score, text }].
export function choices(standard, item) {
  const out = [];
  if (standard === 'Barthel') {
    const d = BARTHEL[item.code] || {};
    for (let s = item.max_score; s >= 0; s -= 5) out.push({ score: s, text: d[s] ? t(d[s][0], d[s][1]) : '' });
    return out;
  }
  const d = GBT[item.code] || (item.max_score === 4 ? GENERAL : null);
  for (let s = item.max_score; s >= 0; s--) out.push({ score: s, text: d && d[s] ? t(d[s][0], d[s][1]) : '' });
  return out;
}

// What the server will decide, computed as the user fills the form (elder_assessment.c and
// assessment.c: bands from the form's levels, then coma -> 4, an F diagnosis and 2+ care-risk
// events one level worse each, never past the last level). Answers null until every item is scored.
export const ICD10 = /^[A-Z]\d{2}(\.\d{1,2})?$/;
export function preview(form, scores, { coma = false, diagnoses = [], risks = 0 } = {}) {
  const items = form.items;
  const given = items.filter((i) => scores[i.code] != null);
  const total = given.reduce((s, i) => s + scores[i.code], 0);
  const groups = {};
  for (const i of given) if (i.group) groups[i.group] = (groups[i.group] || 0) + scores[i.code];
  const done = given.length === items.length;
  const band = (n) => form.levels.find((l) => n >= l.min_total && n <= l.max_total);
  const base = done ? band(total) : null;
  let level = base ? base.level : null;
  const adjustments = [];
  if (done && form.standard !== 'Barthel') {
    const top = Math.max(...form.levels.map((l) => l.level));
    if (coma) { level = top; adjustments.push('coma'); } else {
      if (diagnoses.some((d) => ICD10.test(d) && d[0] === 'F')) { level++; adjustments.push('mental_disorder'); }
      if (risks >= 2) { level++; adjustments.push('care_risk'); }
      level = Math.min(level, top);
    }
  }
  const lv = level == null ? null : form.levels.find((l) => l.level === level);
  return { total, groups, done, given: given.length, base, level: lv, adjustments };
}
