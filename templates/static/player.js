// The player page's small behaviours: Copy-link buttons and a readable note
// when the browser cannot play the media. Values come from data-* attributes
// that html/template escaped; nothing here builds HTML from them.
'use strict';

(function () {
  // copyText puts text on the clipboard: the async Clipboard API where the
  // page may use it, else a hidden textarea and execCommand('copy').
  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        return true;
      } catch (e) {
        // Permission denied or no focus: fall back below.
      }
    }
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'offscreen';
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch (e) {
      ok = false;
    }
    area.remove();
    return ok;
  }

  function flash(button, text, cls) {
    const label = button.querySelector('span') || button;
    const before = label.dataset.label || label.textContent;
    label.dataset.label = before;
    label.textContent = text;
    button.classList.add(cls);
    clearTimeout(button._flashTimer);
    button._flashTimer = setTimeout(() => {
      label.textContent = before;
      button.classList.remove(cls);
    }, 1600);
  }

  document.addEventListener('click', async (ev) => {
    const button = ev.target.closest('[data-copy]');
    if (!button) return;
    ev.preventDefault();
    const ok = await copyText(button.dataset.copy);
    flash(button, ok ? 'Copied' : 'Copy failed', ok ? 'done' : 'failed');
  });

  // Selecting a link field selects all of it, which is what a person wants
  // to copy by hand on a phone.
  for (const input of document.querySelectorAll('.link-row input')) {
    input.addEventListener('focus', () => input.select());
  }

  // The VLC and MX Player buttons open apps by URL scheme: vlc:// works
  // where VLC registers it on phones (Android, iOS), the intent: link only
  // on Android. On desktops they would do nothing, so they stay hidden.
  const ua = navigator.userAgent || '';
  const android = /Android/i.test(ua);
  const ios = /iPhone|iPad|iPod/i.test(ua) || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
  for (const app of document.querySelectorAll('[data-app]')) {
    app.hidden = !(app.dataset.app === 'mx' ? android : android || ios);
  }

  const media = document.getElementById('media');
  const note = document.getElementById('media-error');
  if (media && note) {
    media.addEventListener('error', () => {
      if (media.tagName === 'IMG') {
        note.textContent = 'This image could not be shown. Download it instead.';
      }
      note.hidden = false;
    });
  }
})();
