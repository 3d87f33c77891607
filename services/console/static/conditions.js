// conditions.js — what the pipeline view shows beside the lanes: a stage's
// conditions (beforeEntry, onSuccess, onFailure — GetPipeline's rules and
// result (and onFailure's own result and retry mode), GetPipelineState's condition state: the condition's status and
// summary, each rule's status and summary) and the pipeline's variables
// (declared, with their defaults and descriptions, and the values the latest
// execution resolved them to, from GetPipelineExecution). Statuses are
// written out; nothing here is a control.

import { el, statusBadge } from './dom.js';

// The declaration's member, its words, GetPipelineState's member.
export const CONDITION_KINDS = [
  ['beforeEntry', 'Before entry', 'beforeEntryConditionState'],
  ['onSuccess', 'On success', 'onSuccessConditionState'],
  ['onFailure', 'On failure', 'onFailureConditionState'],
];

const RULE_TEXT_MAX = 160;

function cut(text) {
  return text.length > RULE_TEXT_MAX ? text.slice(0, RULE_TEXT_MAX - 1) + '…' : text;
}

// A rule's configuration in a line: "#{variables.Env} EQ prod" for a
// VariableCheck, the cron of a DeploymentWindow, the function of a
// LambdaInvoke, the commands of Commands, else its key=value pairs.
export function ruleText(rule) {
  const c = rule.configuration || {};
  const provider = (rule.ruleTypeId || {}).provider || '';
  if (provider === 'VariableCheck') return cut(`${c.Variable || ''} ${c.Operator || ''} ${c.Value || ''}`);
  if (provider === 'DeploymentWindow') return cut(`cron ${c.Cron || ''}${c.TimeZone ? ' (' + c.TimeZone + ')' : ''}`);
  if (provider === 'LambdaInvoke') return cut(`function ${c.FunctionName || ''}`);
  if (provider === 'Commands') return cut((rule.commands || []).join('; '));
  return cut(Object.entries(c).map(([k, v]) => `${k}=${v}`).join(', '));
}

function ruleItem(rule, ruleState) {
  const latest = (ruleState && ruleState.latestExecution) || {};
  return el('li', { class: 'rule', 'data-rule': rule.name },
    el('span', { class: 'rule-name' }, rule.name),
    el('span', { class: 'rule-type' }, `${(rule.ruleTypeId || {}).provider || ''}: ${ruleText(rule)}`),
    statusBadge(latest.status),
    latest.summary ? el('span', { class: 'summary' }, latest.summary) : null);
}

function conditionBox(kind, words, declared, state) {
  const latest = (state && state.latestExecution) || {};
  const conditionStates = (state && state.conditionStates) || [];
  return el('li', { class: 'condition', 'data-condition': kind },
    el('h3', {}, words, ' ', statusBadge(latest.status)),
    latest.summary ? el('span', { class: 'summary' }, latest.summary) : null,
    // onFailure's own result: what happens when an action of the stage fails
    declared.result ? el('span', { class: 'condition-result' }, `when an action fails: ${declared.result}` +
      (declared.retryConfiguration && declared.retryConfiguration.retryMode ? ` (${declared.retryConfiguration.retryMode})` : '') +
      ((declared.conditions || []).length ? ', if these conditions pass' : '')) : null,
    (declared.conditions || []).map((cond, ci) => {
      const ruleStates = (conditionStates[ci] && conditionStates[ci].ruleStates) || [];
      const retry = cond.retryConfiguration && cond.retryConfiguration.retryMode;
      return el('div', { class: 'condition-rules' },
        el('span', { class: 'condition-result' }, `if a rule fails: ${cond.result || 'FAIL'}${retry ? ' (' + retry + ')' : ''}`),
        el('ul', { class: 'rules' }, (cond.rules || []).map((rule) =>
          ruleItem(rule, ruleStates.find((r) => r.ruleName === rule.name)))));
    }));
}

// The conditions of one stage (its declaration and its GetPipelineState
// entry), or null when it declares none.
export function stageConditions(stage, st) {
  const boxes = CONDITION_KINDS.filter(([kind]) => stage[kind])
    .map(([kind, words, member]) => conditionBox(kind, words, stage[kind], st[member]));
  if (!boxes.length) return null;
  return el('ul', { class: 'conditions', 'aria-label': `Conditions of ${stage.name}` }, boxes);
}

// The pipeline's variables: declared ones with their default, and the latest
// execution's resolved values (resolved: Map name → value, or null); null
// when there is nothing to show.
export function variablesTable(declared, resolved, executionId) {
  const names = (declared || []).map((v) => v.name);
  for (const name of (resolved ? resolved.keys() : [])) if (!names.includes(name)) names.push(name);
  if (!names.length) return null;
  const byName = new Map((declared || []).map((v) => [v.name, v]));
  const latestHead = executionId ? ['Latest execution ', el('code', {}, executionId.slice(0, 8))] : 'Latest execution';
  return el('section', { class: 'pipeline-variables', 'aria-labelledby': 'variables-title' },
    el('h2', { id: 'variables-title' }, 'Variables'),
    el('table', { class: 'variables-table' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Name'), el('th', { scope: 'col' }, 'Default'),
        el('th', { scope: 'col' }, 'Description'), el('th', { scope: 'col' }, latestHead))),
      el('tbody', {}, names.map((name) => {
        const v = byName.get(name);
        const value = resolved && resolved.has(name) ? resolved.get(name) : null;
        return el('tr', { 'data-variable-row': name },
          el('th', { scope: 'row' }, el('code', {}, name)),
          el('td', {}, v ? (v.defaultValue !== undefined ? el('code', {}, v.defaultValue) : 'none') : 'not declared now'),
          el('td', {}, (v && v.description) || ''),
          el('td', { class: 'resolved' }, value !== null ? el('code', {}, value) : 'not run'));
      }))));
}
