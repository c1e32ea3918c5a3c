// Clause's default theme: opens the site's consent banner from the "Change your cookie
// settings" button of every page. Published and loaded only when site.toml's `[consent]`
// names the banner; the pages load it after the banner's own script (both `defer`), and it
// runs no inline code, so a Content-Security-Policy of `script-src 'self'` allows it.
//
// The button is hidden until the banner has started: without scripts, or when the
// banner's files do not load, the sentence above it says how to change one's choice.
(function () {
  'use strict';
  var me = document.currentScript;
  if (!me) return;
  var manager = me.getAttribute('data-manager');
  var config = me.getAttribute('data-config');
  var buttons = document.querySelectorAll('button.consent-button');

  function fail(why) {
    if (window.console) window.console.warn('The consent banner did not start: ' + why);
  }

  // Only files of this site: Clause checked the path when it built the page; checked
  // again here, where it is read.
  function address(path) {
    var url = new URL(path, document.baseURI);
    if (url.origin !== window.location.origin) throw new Error(path + ' is not on this site');
    return url.href;
  }

  function reveal(open) {
    for (var i = 0; i < buttons.length; i += 1) {
      if (open) buttons[i].addEventListener('click', open);
      buttons[i].hidden = false;
    }
  }

  try {
    if (manager === 'cookieconsent') {
      var cc = window.CookieConsent;
      if (!cc) return fail('window.CookieConsent is missing (is `script` the UMD build?)');
      // cookieconsent opens its preferences from the button's
      // data-cc="show-preferencesModal" itself, once it has run.
      var run = config
        ? import(address(config)).then(function (m) { return cc.run(m.default); })
        : Promise.resolve();
      run.then(function () { reveal(null); }, fail);
    } else if (manager === 'klaro') {
      var klaro = window.klaro;
      if (!klaro) return fail('window.klaro is missing');
      var setup = config
        ? fetch(address(config), { credentials: 'same-origin' })
          .then(function (r) {
            if (!r.ok) throw new Error(config + ': HTTP ' + r.status);
            return r.json();
          })
          .then(function (c) { klaro.setup(c); })
        : Promise.resolve();
      setup.then(function () {
        reveal(function () { klaro.show(undefined, true); });
      }, fail);
    }
  } catch (e) {
    fail(e);
  }
})();
