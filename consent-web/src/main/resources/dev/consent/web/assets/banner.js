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
 * - A purpose whose consent version changed is asked again (the server's mustPrompt).
 * - WCAG 2.2 AA: a labelled modal dialog, focus moved into it and returned to the opener, every control a native
 *   button or checkbox with a label, a visible focus ring, text in rem units that reflows at 200 % zoom.
 *
 * Any element with data-consent-open reopens the banner (data-consent-open="settings": the settings layer); an
 * element with data-consent-preferences gets the preference centre rendered inside it.
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
  var model = null; // the server's answer: {locale, purposes: [...]}
  var dialog = null;
  var opener = null;
  var ids = 0;

  function requestedLocale() {
    return (script && script.getAttribute('data-locale')) || document.documentElement.lang || navigator.language || 'en';
  }

  function text() {
    var lang = String((model && model.locale) || requestedLocale()).slice(0, 2).toLowerCase();
    return TEXT[lang] || TEXT.en;
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
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }

  function nextId(name) {
    ids += 1;
    return 'cb-' + name + '-' + ids;
  }

  // ---- the server -------------------------------------------------------------------------------------------

  function load() {
    return fetch(base + 'purposes?locale=' + encodeURIComponent(requestedLocale()), {
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

  function choosable(p) {
    return p.mechanism !== 'NOTICE_ONLY';
  }

  function blockedByGpc(p) {
    return gpcOn && p.gpc === true;
  }

  function granted(p) {
    return p.state === 'GRANTED';
  }

  /** Sends one choice per purpose in {@code wanted} (purpose id -> true for granted), with what was shown. */
  function save(wanted) {
    var choices = model.purposes.filter(function (p) {
      return Object.prototype.hasOwnProperty.call(wanted, p.id);
    }).map(function (p) {
      return {
        purpose: p.id,
        decision: wanted[p.id] ? 'GRANTED' : 'DENIED',
        version: p.version,
        noticeId: p.noticeId,
        noticeHash: p.noticeHash
      };
    });
    return fetch(base + 'choices', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-Consent-Request': '1' },
      body: JSON.stringify({ locale: model.locale, gpc: gpcOn, choices: choices })
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

  function acceptAll() {
    var wanted = {};
    model.purposes.filter(choosable).forEach(function (p) {
      if (!blockedByGpc(p)) {
        wanted[p.id] = true;
      }
    });
    return save(wanted);
  }

  function rejectAll() {
    var wanted = {};
    model.purposes.filter(choosable).forEach(function (p) {
      wanted[p.id] = false;
    });
    return save(wanted);
  }

  function saveForm(form) {
    var wanted = {};
    model.purposes.filter(choosable).forEach(function (p) {
      var box = form.querySelector('input[data-purpose="' + CSS.escape(p.id) + '"]');
      if (box) {
        wanted[p.id] = box.checked;
      }
    });
    return save(wanted);
  }

  // ---- Google Consent Mode ----------------------------------------------------------------------------------

  /**
   * A type is granted only when every purpose that lists it is granted (the server's ConsentModes rule); nothing
   * is pushed when no purpose maps to a type.
   */
  function consentMode() {
    var types = {};
    model.purposes.forEach(function (p) {
      (p.consentMode || []).forEach(function (t) {
        types[t] = (types[t] === undefined || types[t] === 'granted') && granted(p) ? 'granted' : 'denied';
      });
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
      return choosable(p) && blockedByGpc(p);
    });
    if (off.length === 0) {
      return null;
    }
    return el('p', { 'class': 'cb-gpc', 'data-consent-gpc': true }, [t.gpc + off.map(function (p) {
      return p.title;
    }).join(', ') + '.']);
  }

  function purposeRow(p, t) {
    var noticeId = nextId('notice');
    var row = el('div', { 'class': 'cb-purpose', 'data-purpose-row': p.id });
    var head = el('div', { 'class': 'cb-purpose-head' });
    if (choosable(p)) {
      var boxId = nextId('box');
      var noteId = nextId('note');
      // never pre-ticked: checked only for a purpose the visitor granted, or an opt-out purpose not objected to
      var on = p.mechanism === 'OPT_OUT' ? p.state !== 'DENIED' && p.state !== 'OBJECTED' : granted(p);
      var note = blockedByGpc(p) && !granted(p) ? t.gpcItem : p.mechanism === 'OPT_OUT' ? t.optOut : null;
      var box = el('input', {
        type: 'checkbox', id: boxId, 'data-purpose': p.id,
        'aria-describedby': noticeId + (note ? ' ' + noteId : '')
      });
      box.checked = on;
      head.appendChild(box);
      head.appendChild(el('label', { 'for': boxId }, [p.title]));
      row.appendChild(head);
      row.appendChild(el('p', { 'class': 'cb-purpose-notice', id: noticeId, 'data-notice-id': p.noticeId }, [p.noticeText]));
      if (note) {
        row.appendChild(el('p', { 'class': 'cb-purpose-note', id: noteId }, [note]));
      }
    } else {
      head.appendChild(el('span', { 'class': 'cb-purpose-title' }, [p.title]));
      row.appendChild(head);
      row.appendChild(el('p', { 'class': 'cb-purpose-notice', id: noticeId, 'data-notice-id': p.noticeId }, [p.noticeText]));
      row.appendChild(el('p', { 'class': 'cb-purpose-note' }, [t.alwaysOn]));
    }
    return row;
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
    var changed = model.purposes.some(function (p) {
      return p.mustPrompt && p.state && p.state !== 'NO_RECORD';
    });
    var list = el('ul', { 'class': 'cb-text' }, model.purposes.filter(choosable).map(function (p) {
      return el('li', { 'data-purpose-row': p.id }, [
        el('strong', {}, [p.title]), ': ',
        el('span', { 'data-notice-id': p.noticeId }, [p.noticeText])
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
    return model.purposes.some(function (p) {
      return p.mustPrompt === true;
    });
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
      document.body.appendChild(dialog);
    }
    dialog.textContent = '';
    dialog.setAttribute('lang', (model.locale || 'en'));
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
    dialog.close();
    dialog.remove();
    dialog = null;
    if (opener && typeof opener.focus === 'function' && document.contains(opener)) {
      opener.focus();
    }
    opener = null;
  }

  function renderInline(host) {
    var t = text();
    host.textContent = '';
    host.classList.add('cb-inline');
    host.setAttribute('lang', model.locale || 'en');
    var titleId = nextId('title');
    var again = function () {
      var heading = document.getElementById(titleId);
      var message = host.querySelector('.cb-status').textContent;
      renderInline(host);
      host.querySelector('.cb-status').textContent = message;
      if (heading) {
        document.getElementById(host.querySelector('.cb-title').id).focus();
      }
    };
    host.appendChild(preferences(t, host.getAttribute('data-heading') || 'h1', titleId, again));
  }

  function stylesheet() {
    if (document.querySelector('link[data-consent-css]')) {
      return;
    }
    document.head.appendChild(el('link', { rel: 'stylesheet', href: base + 'banner.css', 'data-consent-css': true }));
  }

  function start() {
    stylesheet();
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
    load().then(function () {
      consentMode();
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
