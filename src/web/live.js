// The owner's event stream: every task event reaches the recent list and the task on view; after
// a gap or a reset the list is read again.

import { openStream } from './api.js'
import { formatError, ui } from './ui.js'

export function createOwnerFeed ({ api, recent, view }) {
  let stream = null

  function follow () {
    stream?.close()
    stream = openStream(api, {
      path: '/v1/events',
      onEvent: (_type, t) => {
        recent.upsert(t)
        if (view.current()?.id === t.id) view.render(t)
      },
      onReset: () => {
        void recent.load()
        const current = view.current()
        if (current) void api.getTask(current.id).then(view.render, () => {})
      },
      onState: (s, err) => {
        if (s === 'open') {
          // The snapshot on connect covers unfinished tasks only: a task that finished since the
          // list was read (during a gap, or before the first stream opened at all) is in a new read.
          void recent.load()
          ui.recentStatus.textContent = ''
        } else if (s === 'reconnecting') {
          ui.recentStatus.textContent = 'Live updates interrupted; reconnecting…'
        } else if (s === 'error') {
          ui.recentStatus.textContent = `Live updates failed: ${formatError(err)}`
        }
      }
    })
  }

  return { follow, close: () => stream?.close() }
}
