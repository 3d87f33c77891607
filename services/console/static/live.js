// live.js — live updates: one EventSource on /console/events (optionally for
// one pipeline). The browser reconnects by itself with Last-Event-ID; the
// server replays what was missed, or says "resync" when it cannot, and the
// view then reloads its state. No polling.

let source = null;

export function watch(pipeline, onEvent, onResync, onStatus) {
  stop();
  const url = '/console/events' + (pipeline ? '?pipeline=' + encodeURIComponent(pipeline) : '');
  source = new EventSource(url, { withCredentials: true });
  source.addEventListener('state', (e) => {
    let data = null;
    try {
      data = JSON.parse(e.data);
    } catch (_) {
      return;
    }
    onEvent(data);
  });
  source.addEventListener('resync', () => onResync());
  source.addEventListener('hello', () => onStatus('live'));
  source.onopen = () => onStatus('live');
  source.onerror = () => onStatus(source && source.readyState === EventSource.CLOSED ? 'offline' : 'reconnecting');
  return source;
}

export function stop() {
  if (source) {
    source.close();
    source = null;
  }
}
