// Trailwatch console: live updates, without a build step. The pages work without it.
(function () {
  'use strict';

  // Fetches a page of the console and hands over its element with this id (nothing when it has none or fails).
  function fragment(url, id) {
    return fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) {
          return null;
        }
        var holder = document.createElement('div');
        holder.innerHTML = html;
        return holder.querySelector('#' + id);
      });
  }

  // The findings list: when the store has new findings, fetch the counts and list again (same filters, first page).
  function live() {
    var results = document.getElementById('results');
    if (!results || !results.dataset.live || !window.EventSource) {
      return;
    }
    var source = new EventSource('/live');
    var busy = false;
    source.addEventListener('message', function (event) {
      if (!event.data || busy) {
        return;
      }
      busy = true;
      var before = results.querySelectorAll('tbody tr').length;
      fragment(results.dataset.live, 'results')
        .then(function (fresh) {
          if (!fresh) {
            return;
          }
          var hadFocus = results.contains(document.activeElement);
          results.replaceWith(fresh);
          results = fresh;
          var status = fresh.querySelector('.live');
          var after = fresh.querySelectorAll('tbody tr').length;
          if (status) {
            status.textContent = 'Updated with new findings at ' + new Date().toISOString().substring(11, 19) + ' UTC'
              + (after > before ? ' (' + (after - before) + ' more shown)' : '') + '.';
          }
          if (hadFocus) {
            fresh.focus();
          }
        })
        .catch(function () { /* the next event tries again */ })
        .finally(function () { busy = false; });
    });
  }

  // Operations: while a backfill runs, its progress is fetched again every two seconds.
  function refresh() {
    var jobs = document.getElementById('jobs');
    if (!jobs || !jobs.dataset.refresh) {
      return;
    }
    setTimeout(function () {
      fragment(jobs.dataset.refresh, 'jobs')
        .then(function (fresh) {
          if (fresh) {
            jobs.replaceWith(fresh);
          }
          refresh();
        })
        .catch(function () { refresh(); });
    }, 2000);
  }

  document.addEventListener('DOMContentLoaded', function () {
    live();
    refresh();
  });
})();
