// overview.js — the pipeline view's overview strip: one small cell per stage,
// in order, that stays at the top of the window while the lanes scroll. Each
// cell is a button showing the stage's number and a mark of its latest status
// (✓ ✕ ▶ …) on a tint of the status's colour, labelled and titled with the
// stage's name and status written out (and a disabled inbound transition);
// pressing it (click, Enter or Space) scrolls to the stage's lane and puts the
// focus on the lane's toggle. Cells wrap onto more rows rather than shrink, so
// no two overlap and no number is clipped, 50 stages included.

import { el } from './dom.js';

// A status's mark: text beside the colour, so the colour is never alone.
const MARK = {
  Succeeded: '✓', Failed: '✕', Abandoned: '⊘', Cancelled: '⊘', InProgress: '▶', Stopping: '■',
  Stopped: '■', Superseded: '»', Skipped: '↷',
};

// "Stage-03: Failed" and what else the cell tells, as one sentence.
export function cellLabel(index, name, status, blocked) {
  return `Stage ${index + 1}, ${name}: ${status || 'Not run'}` + (blocked ? ', transition into it disabled' : '') +
    '. Go to the stage';
}

// The cell's look and words for a status (also used when an event changes it).
export function paintCell(cell, index, name, status, blocked) {
  const text = status || 'Not run';
  cell.className = 'ov-cell ov-' + text.replace(/[^A-Za-z]/g, '') + (blocked ? ' ov-blocked' : '');
  cell.setAttribute('data-status', text);
  const label = cellLabel(index, name, status, blocked);
  cell.setAttribute('aria-label', label);
  cell.setAttribute('title', label);
  const mark = cell.querySelector('.ov-mark');
  if (mark) mark.textContent = MARK[text] || '–';
}

// Scrolls the lane of stage `name` to just below the strip and focuses its toggle.
export function goToStage(name) {
  const lane = document.querySelector(`.lane[data-stage="${CSS.escape(name)}"]`);
  if (!lane) return;
  lane.scrollIntoView({ block: 'start' });
  const toggle = lane.querySelector('.toggle');
  if (toggle) toggle.focus({ preventScroll: true });
}

// stages: the declaration's stages; statusOf(name) → the latest status;
// blockedOf(name, index) → true when the inbound transition is disabled.
export function overviewStrip(stages, statusOf, blockedOf) {
  const cells = stages.map((stage, i) => {
    const cell = el('button', { type: 'button', id: `ov-${i}`, 'data-stage': stage.name, onclick: () => goToStage(stage.name) },
      el('span', { class: 'ov-num', 'aria-hidden': 'true' }, String(i + 1)),
      el('span', { class: 'ov-mark', 'aria-hidden': 'true' }));
    paintCell(cell, i, stage.name, statusOf(stage.name), blockedOf(stage.name, i));
    return el('li', {}, cell);
  });
  return el('nav', { class: 'overview', 'aria-label': `Stages overview: ${stages.length} stage${stages.length === 1 ? '' : 's'}` },
    el('ol', { class: 'ov-cells' }, cells));
}

// Keeps what the browser scrolls into view (a lane, a focused control) below
// the strip: its height goes into --ov-h, the lanes' scroll margin.
export function fitStrip(strip, graph) {
  if (!strip || !graph) return;
  graph.style.setProperty('--ov-h', `${Math.ceil(strip.getBoundingClientRect().height) + 8}px`);
}
