// dom.js — building elements without innerHTML: every text goes in as a text
// node, so nothing the api returns can become markup.

export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (value === true) node.setAttribute(name, '');
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

// "3 min ago" for a time (seconds since the epoch, as the api answers, or ISO text).
export function ago(when) {
  if (when === undefined || when === null || when === '') return '';
  const ms = typeof when === 'number' ? when * 1000 : Date.parse(when);
  if (!Number.isFinite(ms)) return '';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

export function timeOf(when) {
  if (when === undefined || when === null || when === '') return 0;
  const ms = typeof when === 'number' ? when * 1000 : Date.parse(when);
  return Number.isFinite(ms) ? ms : 0;
}

// A status as text with its colour class (the text carries the meaning).
export function statusBadge(status) {
  const text = status || 'Not run';
  return el('span', { class: 'status status-' + text.replace(/[^A-Za-z]/g, ''), 'data-status': text }, text);
}
