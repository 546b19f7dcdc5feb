/*
 * Consent banner and preference centre: <script src="/consent/v1/banner.js" defer></script>
 *
 * Plain JavaScript, no dependencies, nothing loaded from a third party. It asks the endpoints beside it (the
 * directory the script was loaded from) which purposes the visitor decides, shows each purpose's notice text as the
 * server sent it, and posts back, with every choice, the notice id and the hash of exactly that text: the ledger's
 * evidence is what the person saw.
 *
 * What it guarantees, and the rule behind each:
 * - "Accept all", "Reject all" and "Settings" are the same element with the same class, size and colours, on the
 *   same layer (EDPB Guidelines 03/2022 on deceptive design patterns, v2.0: "Stirring", "Hindering"; CNIL
 *   délibération n° 2020-092 of 17 Sept 2020: refusing as simple as accepting, at the same level).
 * - No box is ticked unless the visitor ticked it before (GDPR Art. 4(11), Art. 7; CJEU C-673/17 Planet49).
 * - Global Privacy Control (navigator.globalPrivacyControl) keeps the purposes the server flags off, and the banner
 *   says so; only an explicit tick in the settings turns one on (CCPA Regulations § 7025).
 * - Google Consent Mode: gtag('consent', 'update', ...) with the types the policy maps, a type granted only when
 *   every purpose it lists is granted; a dataLayer-pushing gtag is defined when the page has none.
 * - A purpose whose consent version changed is asked again (the server's prompt flag).
 * - WCAG 2.2 AA: a labelled modal dialog, focus moved into it and returned to the opener, every control a native
 *   button or checkbox with a label, a visible focus ring, text in rem units that reflows at 200 % zoom.
 *
 * Any element with data-consent-open reopens the banner (data-consent-open="settings": the settings layer); an
 * element with data-consent-preferences gets the preference centre rendered inside it. On the page a login leads to,
 * data-consent-link on the script tag links the visitor's choices to the customer now logged in (POST link).
 */
(function () {
  'use strict';

  var script = document.currentScript;
  var base = script ? script.src.replace(/[^\/]*$/, '') : '/consent/v1/';

  var TEXT = {
    en: {
      title: 'Your privacy choices',
      intro: 'We ask before we use your data for the purposes below. You can change your mind at any time with the privacy settings link at the bottom of every page.',
      reprompt: 'Something changed since you last chose: please choose again.',
      accept: 'Accept all',
      reject: 'Reject all',
      settings: 'Settings',
      save: 'Save choices',
      settingsTitle: 'Privacy settings',
      purposes: 'Purposes',
      alwaysOn: 'Always active: needed to provide the service, there is nothing to choose.',
      optOut: 'On, based on our legitimate interests: switch it off to object.',
      gpc: 'Your browser sends Global Privacy Control, so we leave this off: ',
      gpcItem: 'Off because your browser sends Global Privacy Control. Tick it only if you want it anyway.',
      saved: 'Your choices are saved.',
      failed: 'Your choices could not be saved. Please try again.'
    },
    de: {
      title: 'Ihre Datenschutz-Einstellungen',
      intro: 'Wir fragen, bevor wir Ihre Daten für die folgenden Zwecke verwenden. Sie können Ihre Wahl jederzeit über den Link zu den Datenschutz-Einstellungen unten auf jeder Seite ändern.',
      reprompt: 'Seit Ihrer letzten Wahl hat sich etwas geändert: Bitte wählen Sie erneut.',
      accept: 'Alle akzeptieren',
      reject: 'Alle ablehnen',
      settings: 'Einstellungen',
      save: 'Auswahl speichern',
      settingsTitle: 'Datenschutz-Einstellungen',
      purposes: 'Zwecke',
      alwaysOn: 'Immer aktiv: für den Dienst erforderlich, es gibt nichts zu wählen.',
      optOut: 'Aktiv auf Grundlage unseres berechtigten Interesses: ausschalten, um zu widersprechen.',
      gpc: 'Ihr Browser sendet Global Privacy Control, daher bleibt ausgeschaltet: ',
      gpcItem: 'Ausgeschaltet, weil Ihr Browser Global Privacy Control sendet. Nur ankreuzen, wenn Sie es trotzdem möchten.',
      saved: 'Ihre Auswahl ist gespeichert.',
      failed: 'Ihre Auswahl konnte nicht gespeichert werden. Bitte versuchen Sie es erneut.'
    },
    fr: {
      title: 'Vos choix de confidentialité',
      intro: 'Nous vous demandons votre accord avant d\u2019utiliser vos données pour les finalités ci-dessous. Vous pouvez changer d\u2019avis à tout moment grâce au lien des paramètres de confidentialité en bas de chaque page.',
      reprompt: 'Quelque chose a changé depuis votre dernier choix : merci de choisir à nouveau.',
      accept: 'Tout accepter',
      reject: 'Tout refuser',
      settings: 'Paramétrer',
      save: 'Enregistrer mes choix',
      settingsTitle: 'Paramètres de confidentialité',
      purposes: 'Finalités',
      alwaysOn: 'Toujours actif : nécessaire au service, il n\u2019y a rien à choisir.',
      optOut: 'Actif sur la base de notre intérêt légitime : désactivez-le pour vous y opposer.',
      gpc: 'Votre navigateur envoie le signal Global Privacy Control, nous laissons donc désactivé : ',
      gpcItem: 'Désactivé car votre navigateur envoie le signal Global Privacy Control. Cochez uniquement si vous le souhaitez malgré tout.',
      saved: 'Vos choix sont enregistrés.',
      failed: 'Vos choix n\u2019ont pas pu être enregistrés. Veuillez réessayer.'
    }
  };

  var gpcOn = navigator.globalPrivacyControl === true;
  var model = null; // the server's answer to GET purposes (the OpenAPI document beside this script)
  var dialog = null;
  var opener = null;
  var ids = 0;

  /** The page's language: the script's data-locale, else the page's lang, else the browser's; '' when none fits. */
  function requestedLocale() {
    var tag = (script && script.getAttribute('data-locale')) || document.documentElement.lang || navigator.language;
    return /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}$/.test(tag || '') ? tag : '';
  }

  function language() {
    var lang = requestedLocale().slice(0, 2).toLowerCase();
    return TEXT[lang] ? lang : 'en';
  }

  function text() {
    return TEXT[language()];
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) {
        node.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
      }
    });
    (children || []).forEach(function (c) {
      // server text goes in as text nodes, never as markup
      if (c !== null) {
        node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
      }
    });
    return node;
  }

  function nextId(name) {
    ids += 1;
    return 'cb-' + name + '-' + ids;
  }

  // ---- the server -------------------------------------------------------------------------------------------

  function load() {
    var locale = requestedLocale();
    return fetch(base + 'purposes' + (locale ? '?locale=' + encodeURIComponent(locale) : ''), {
      credentials: 'same-origin',
      headers: { 'Accept': 'application/json' }
    }).then(function (r) {
      if (!r.ok) {
        throw new Error('consent: GET purposes answered ' + r.status);
      }
      return r.json();
    }).then(function (body) {
      model = body;
      return body;
    });
  }

  /** Whether Global Privacy Control keeps the purpose off: the browser sends it and the server flags the purpose. */
  function blockedByGpc(p) {
    return gpcOn && p.gpcOptOut === true;
  }

  /** Whether the purpose is allowed now: granted, or an opt-out purpose nobody objected to. */
  function allowed(p) {
    return p.state === 'granted' || (p.mechanism === 'opt-out' && p.state === 'none');
  }

  /**
   * Sends one choice per purpose in wanted (purpose id -> true for granted), each quoting the notice id, text hash
   * and consent version it was shown with; the server records nothing unless all of them are the ones it shows.
   */
  function save(wanted) {
    var choices = model.purposes.filter(function (p) {
      // a double opt-in purpose is granted only through its confirmation mail, never by a click here
      return Object.prototype.hasOwnProperty.call(wanted, p.id) && !(p.doubleOptIn === true && wanted[p.id]);
    }).map(function (p) {
      return {
        purpose: p.id,
        choice: wanted[p.id] ? 'granted' : 'denied',
        version: p.version,
        noticeId: p.noticeId,
        noticeHash: p.noticeHash
      };
    });
    var locale = requestedLocale();
    return fetch(base + 'choices', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-Consent-Request': '1' },
      body: JSON.stringify({ locale: locale || null, gpc: gpcOn, choices: choices })
    }).then(function (r) {
      if (!r.ok) {
        throw new Error('consent: POST choices answered ' + r.status);
      }
      return load();
    }).then(function () {
      consentMode();
      document.dispatchEvent(new CustomEvent('consent:change', { detail: model }));
    });
  }

  /**
   * After a login: the choices made as an anonymous visitor now count for the customer (the server takes the
   * customer from the login, never from the page). Nothing to link (no login, no visitor cookie) is not an error.
   */
  function link() {
    if (!script || !script.hasAttribute('data-consent-link')) {
      return Promise.resolve();
    }
    return fetch(base + 'link', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-Consent-Request': '1' },
      body: '{}'
    }).then(function (r) {
      if (!r.ok && r.status !== 400 && r.status !== 401) {
        throw new Error('consent: POST link answered ' + r.status);
      }
    });
  }

  /**
   * Every purpose granted, except those Global Privacy Control keeps off: the banner said so before the click, so
   * they are recorded as refused (the request's evidence names the signal). Only a tick in the settings grants one,
   * and an earlier explicit grant stands.
   */
  function acceptAll() {
    var wanted = {};
    model.purposes.forEach(function (p) {
      wanted[p.id] = !blockedByGpc(p) || p.state === 'granted';
    });
    return save(wanted);
  }

  /** Every purpose refused: a consent denied (or withdrawn), a legitimate-interest purpose objected to (Art. 21). */
  function rejectAll() {
    var wanted = {};
    model.purposes.forEach(function (p) {
      wanted[p.id] = false;
    });
    return save(wanted);
  }

  function saveForm(form) {
    var wanted = {};
    model.purposes.forEach(function (p) {
      var box = form.querySelector('input[data-purpose="' + CSS.escape(p.id) + '"]');
      if (box) {
        wanted[p.id] = box.checked;
      }
    });
    return save(wanted);
  }

  // ---- Google Consent Mode ----------------------------------------------------------------------------------

  /**
   * The policy's Consent Mode mapping (type -> purposes) applied as consent-signals' ConsentModes applies it: a type
   * is granted only when every purpose it lists is allowed now. Nothing is pushed when the policy maps no type.
   */
  function consentMode() {
    var mapping = model.consentMode || {};
    var byId = {};
    model.purposes.forEach(function (p) {
      byId[p.id] = p;
    });
    var types = {};
    Object.keys(mapping).forEach(function (type) {
      types[type] = mapping[type].length > 0 && mapping[type].every(function (id) {
        return byId[id] !== undefined && allowed(byId[id]);
      }) ? 'granted' : 'denied';
    });
    if (Object.keys(types).length === 0) {
      return;
    }
    window.dataLayer = window.dataLayer || [];
    if (typeof window.gtag !== 'function') {
      // Google's own snippet: gtag only queues its arguments for the tag to read
      window.gtag = function () {
        window.dataLayer.push(arguments);
      };
    }
    window.gtag('consent', 'update', types);
  }

  // ---- rendering --------------------------------------------------------------------------------------------

  function buttons(list) {
    return el('div', { 'class': 'cb-actions' }, list.map(function (b) {
      var button = el('button', { type: 'button', 'class': 'cb-btn', 'data-consent-action': b[0] }, [b[1]]);
      button.addEventListener('click', b[2]);
      return button;
    }));
  }

  function status() {
    return el('p', { 'class': 'cb-status', role: 'status' });
  }

  function gpcNotice(t) {
    var off = model.purposes.filter(function (p) {
      return blockedByGpc(p) && p.state !== 'granted';
    });
    if (off.length === 0) {
      return null;
    }
    return el('p', { 'class': 'cb-gpc', 'data-consent-gpc': true }, [t.gpc + off.map(function (p) {
      return p.title;
    }).join(', ') + '.']);
  }

  function purposeRow(p, t) {
    var boxId = nextId('box');
    var noticeId = nextId('notice');
    var noteId = nextId('note');
    // never pre-ticked: an opt-in purpose is ticked only once the visitor granted it; an opt-out purpose (legitimate
    // interests) shows as on because it is, with how to object beside it
    var note = blockedByGpc(p) && p.state !== 'granted' ? t.gpcItem : p.mechanism === 'opt-out' ? t.optOut : null;
    var box = el('input', {
      type: 'checkbox', id: boxId, 'data-purpose': p.id,
      'aria-describedby': noticeId + (note ? ' ' + noteId : '')
    });
    box.checked = allowed(p);
    return el('div', { 'class': 'cb-purpose', 'data-purpose-row': p.id }, [
      el('div', { 'class': 'cb-purpose-head' }, [box, el('label', { 'for': boxId, lang: p.locale }, [p.title])]),
      el('p', { 'class': 'cb-purpose-notice', id: noticeId, lang: p.locale, 'data-notice-id': p.noticeId }, [p.text]),
      note ? el('p', { 'class': 'cb-purpose-note', id: noteId, 'data-consent-gpc-note': blockedByGpc(p) }, [note]) : null
    ]);
  }

  /** The preference centre: one checkbox per purpose the visitor decides, the notice text under each. */
  function preferences(t, headingTag, titleId, onSaved) {
    var form = el('form', { 'class': 'cb-form', 'aria-labelledby': titleId, novalidate: true });
    var fieldset = el('fieldset', { 'class': 'cb-purposes' }, [el('legend', {}, [t.purposes])]);
    model.purposes.forEach(function (p) {
      fieldset.appendChild(purposeRow(p, t));
    });
    var say = status();
    var heading = el(headingTag, { 'class': 'cb-title', id: titleId, tabindex: '-1' }, [t.settingsTitle]);
    var gpc = gpcNotice(t);
    [heading, gpc, fieldset].forEach(function (n) {
      if (n) {
        form.appendChild(n);
      }
    });
    function done(promise) {
      promise.then(function () {
        say.textContent = t.saved;
        onSaved();
      }, function () {
        say.textContent = t.failed;
      });
    }
    form.appendChild(buttons([
      ['accept', t.accept, function () { done(acceptAll()); }],
      ['reject', t.reject, function () { done(rejectAll()); }],
      ['save', t.save, function () { done(saveForm(form)); }]
    ]));
    form.addEventListener('submit', function (e) {
      e.preventDefault();
    });
    form.appendChild(say);
    return form;
  }

  function firstLayer(t) {
    var titleId = nextId('title');
    var introId = nextId('intro');
    // asked again because a purpose's consent version moved past the one last chosen under
    var changed = model.purposes.some(function (p) {
      return p.prompt && typeof p.decidedVersion === 'number' && p.decidedVersion < p.version;
    });
    var list = el('ul', { 'class': 'cb-text' }, model.purposes.map(function (p) {
      return el('li', { 'data-purpose-row': p.id, lang: p.locale }, [
        el('strong', {}, [p.title]), ': ',
        el('span', { 'data-notice-id': p.noticeId }, [p.text])
      ]);
    }));
    var say = status();
    function done(promise) {
      promise.then(close, function () {
        say.textContent = t.failed;
      });
    }
    var nodes = [
      el('h2', { 'class': 'cb-title', id: titleId, tabindex: '-1' }, [t.title]),
      el('p', { 'class': 'cb-text', id: introId }, [t.intro]),
      changed ? el('p', { 'class': 'cb-text', 'data-consent-reprompt': true }, [t.reprompt]) : null,
      gpcNotice(t),
      list,
      buttons([
        ['accept', t.accept, function () { done(acceptAll()); }],
        ['reject', t.reject, function () { done(rejectAll()); }],
        ['settings', t.settings, function () { show('settings'); }]
      ]),
      say
    ];
    return { titleId: titleId, describedBy: introId, nodes: nodes, layer: 'first' };
  }

  function settingsLayer(t) {
    var titleId = nextId('title');
    return {
      titleId: titleId, describedBy: null, layer: 'settings',
      nodes: [preferences(t, 'h2', titleId, close)]
    };
  }

  function mustPrompt() {
    return model.prompt === true;
  }

  /** Opens the dialog on a layer ("first" or "settings"), or swaps the layer of the open one. */
  function show(layer) {
    var t = text();
    var view = layer === 'settings' ? settingsLayer(t) : firstLayer(t);
    if (!dialog) {
      opener = document.activeElement;
      dialog = el('dialog', { 'class': 'cb-dialog', 'data-consent-banner': true });
      dialog.addEventListener('cancel', function (e) {
        // Escape: from the settings back to the first layer; the first layer stays until a choice is made
        e.preventDefault();
        if (dialog.getAttribute('data-layer') === 'settings' && mustPrompt()) {
          show('first');
        } else if (!mustPrompt()) {
          close();
        }
      });
      // a browser may close a dialog itself (a second Escape without a click in between): nothing is recorded
      dialog.addEventListener('close', function (e) {
        if (e.target === dialog) {
          close();
        }
      });
      document.body.appendChild(dialog);
    }
    dialog.textContent = '';
    dialog.setAttribute('lang', language());
    dialog.setAttribute('data-layer', view.layer);
    dialog.setAttribute('aria-labelledby', view.titleId);
    if (view.describedBy) {
      dialog.setAttribute('aria-describedby', view.describedBy);
    } else {
      dialog.removeAttribute('aria-describedby');
    }
    view.nodes.forEach(function (n) {
      if (n) {
        dialog.appendChild(n);
      }
    });
    if (!dialog.open) {
      dialog.showModal();
    }
    // focus the heading, not a button: no choice is preselected (EDPB 03/2022, "Stirring")
    document.getElementById(view.titleId).focus();
  }

  function close() {
    if (!dialog) {
      return;
    }
    var closing = dialog;
    dialog = null;
    closing.close();
    closing.remove();
    if (opener && typeof opener.focus === 'function' && document.contains(opener)) {
      opener.focus();
    }
    opener = null;
  }

  /** The preference centre in the page: after a save the boxes show what the server now holds, focus stays put. */
  function renderInline(host) {
    host.textContent = '';
    host.classList.add('cb-inline');
    host.setAttribute('lang', language());
    var form = preferences(text(), host.getAttribute('data-heading') || 'h1', nextId('title'), function () {
      model.purposes.forEach(function (p) {
        var box = form.querySelector('input[data-purpose="' + CSS.escape(p.id) + '"]');
        if (box) {
          box.checked = allowed(p);
        }
      });
    });
    host.appendChild(form);
  }

  /** Loads banner.css; settles once it is there (or failed), so that the banner never shows unstyled. */
  function stylesheet() {
    if (document.querySelector('link[data-consent-css]')) {
      return Promise.resolve();
    }
    return new Promise(function (settle) {
      var link = el('link', { rel: 'stylesheet', href: base + 'banner.css', 'data-consent-css': true });
      link.addEventListener('load', settle);
      link.addEventListener('error', settle);
      document.head.appendChild(link);
    });
  }

  function start() {
    var styled = stylesheet();
    document.addEventListener('click', function (e) {
      var trigger = e.target.closest && e.target.closest('[data-consent-open]');
      if (!trigger) {
        return;
      }
      e.preventDefault();
      var open = function () {
        show(trigger.getAttribute('data-consent-open') === 'settings' ? 'settings' : 'first');
      };
      return model ? open() : load().then(open);
    });
    Promise.all([styled, link().then(load)]).then(function () {
      // a returning visitor's tags get the recorded state at once; before any choice the page's own defaults stand
      if (model.purposes.some(function (p) { return p.state === 'granted' || p.state === 'denied'; })) {
        consentMode();
      }
      var inline = document.querySelectorAll('[data-consent-preferences]');
      Array.prototype.forEach.call(inline, renderInline);
      if (inline.length === 0 && mustPrompt()) {
        show('first');
      }
      document.documentElement.setAttribute('data-consent-ready', 'true');
    }, function (err) {
      document.documentElement.setAttribute('data-consent-ready', 'error');
      if (window.console) {
        window.console.error(err);
      }
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
