/* The door's check-in page (templates/events/admin/checkin_scan.html).

   Without this script the form posts the typed code and the server answers. With it:
   - the typed code (or a scanned one) is sent to the batch endpoint and its answer shown
     without leaving the page;
   - the event's ticket list (tickets.json) is kept in localStorage, so when the network
     drops a code is answered from it and the check-in is queued; the queue is posted to the
     batch endpoint when the network is back (the server applies each once and says which it
     refused: it is the truth);
   - "Scan with camera" reads QR codes from getUserMedia's video: with the browser's
     BarcodeDetector where it has one for QR codes (Chrome on Android), elsewhere (Safari,
     Firefox, desktop Chromium) with jsQR (static/vendor/jsQR.js, loaded from our own static
     files on the first scan, see static/vendor/README.md); frames go through a canvas to it.
     A read code takes the same path as a typed one. Without a camera it says typing works.
   The messages come translated from the page's data-msg-* attributes. */
(function () {
  "use strict";

  var form = document.getElementById("door-form");
  if (!form || !window.fetch || !window.JSON) {
    return;
  }
  var data = form.dataset;
  var input = form.querySelector("input[name=code]");
  var csrf = form.querySelector("input[name=csrf_token]");
  var result = document.getElementById("door-result");
  var count = document.getElementById("door-count");
  var listNote = document.getElementById("door-list");
  var LIST_KEY = "podium.checkin." + data.event + ".tickets";
  var QUEUE_KEY = "podium.checkin." + data.event + ".queue";
  var ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  var MAX_BATCH = 500;  /* events.services.checkin.MAX_BATCH */
  var countTemplate = count ? count.dataset.template : "";

  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (_, key) {
      return values[key] === undefined ? "" : String(values[key]);
    });
  }

  /* The stored form of a typed or scanned code (events/services/ticket_codes.normalise). */
  function normalise(text) {
    text = String(text || "").trim();
    if (text.length > 500) {
      return null;
    }
    if (text.indexOf("://") !== -1) {
      try {
        text = new URL(text).searchParams.get("code") || "";
      } catch (e) {
        return null;
      }
    }
    var symbols = text.toUpperCase().replace(/[ -]/g, "")
      .replace(/O/g, "0").replace(/[IL]/g, "1");
    if (symbols.length !== 12) {
      return null;
    }
    for (var i = 0; i < symbols.length; i++) {
      if (ALPHABET.indexOf(symbols[i]) === -1) {
        return null;
      }
    }
    return symbols.slice(0, 4) + "-" + symbols.slice(4, 8) + "-" + symbols.slice(8);
  }

  function read(key, fallback) {
    try {
      var value = JSON.parse(window.localStorage.getItem(key));
      return value === null ? fallback : value;
    } catch (e) {
      return fallback;
    }
  }

  function write(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (e) {
      /* private mode or full: the page still works online */
    }
  }

  function who(ticket) {
    return ticket.type ? ticket.name + " (" + ticket.type + ")" : ticket.name;
  }

  function show(text, ok) {
    result.textContent = "";
    var line = document.createElement("p");
    line.className = "flash " + (ok ? "success" : "error");
    line.setAttribute("role", ok ? "status" : "alert");
    line.textContent = text;
    result.appendChild(line);
  }

  function showMore(text) {
    var line = document.createElement("p");
    line.className = "flash info";
    line.textContent = text;
    result.appendChild(line);
  }

  function updateCount() {
    var list = read(LIST_KEY, null);
    if (!list || !count || !countTemplate) {
      return;
    }
    var total = 0;
    var arrived = 0;
    Object.keys(list.tickets).forEach(function (code) {
      var ticket = list.tickets[code];
      if (ticket.state === "confirmed") {
        total += 1;
        if (ticket.checked_in_at) {
          arrived += 1;
        }
      }
    });
    count.textContent = fill(countTemplate, { arrived: arrived, total: total });
  }

  function remember(code, checkedInAt, time) {
    var list = read(LIST_KEY, null);
    if (list && list.tickets[code] && checkedInAt) {
      list.tickets[code].checked_in_at = checkedInAt;
      list.tickets[code].time = time;
      write(LIST_KEY, list);
      updateCount();
    }
  }

  function fetchList() {
    return window.fetch(data.ticketsUrl, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("tickets " + response.status);
      }
      return response.json();
    }).then(function (body) {
      var tickets = {};
      body.tickets.forEach(function (ticket) {
        tickets[ticket.code] = ticket;
      });
      read(QUEUE_KEY, []).forEach(function (queued) {  /* not sent yet: still checked in here */
        var ticket = tickets[queued.code];
        if (ticket && !ticket.checked_in_at) {
          ticket.checked_in_at = queued.at;
          ticket.time = queued.time;
        }
      });
      write(LIST_KEY, { at: body.at, tickets: tickets });
      listNote.textContent = fill(data.msgList, { n: body.tickets.length });
      updateCount();
    });
  }

  function post(codes) {
    return window.fetch(data.batchUrl, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrf ? csrf.value : ""
      },
      body: JSON.stringify({ codes: codes })
    }).then(function (response) {
      if (response.status >= 500 || response.status === 0) {
        throw new Error("batch " + response.status);
      }
      return response.json().then(function (body) {
        if (!response.ok) {
          throw new Error(body.error || "batch " + response.status);
        }
        return body.results;
      });
    });
  }

  function localTime() {
    try {
      return new Date().toLocaleTimeString(document.documentElement.lang || "nl", {
        hour: "2-digit", minute: "2-digit", timeZone: "Europe/Amsterdam"
      });
    } catch (e) {
      return "";
    }
  }

  /* No network: answer from the kept list and queue the check-in. */
  function answerOffline(code) {
    var list = read(LIST_KEY, null);
    var ticket = list && list.tickets[code];
    if (!ticket) {
      show(fill(data.msgUnknown, { code: code }), false);
    } else if (ticket.state === "cancelled") {
      show(fill(data.msgCancelled, { who: who(ticket) }), false);
    } else if (ticket.checked_in_at) {
      show(fill(data.msgAlready, { time: ticket.time, who: who(ticket) }), false);
    } else {
      var at = new Date().toISOString();
      var time = localTime();
      var queue = read(QUEUE_KEY, []);
      queue.push({ code: code, at: at, time: time });
      write(QUEUE_KEY, queue);
      remember(code, at, time);
      show(fill(data.msgCheckedIn, { who: who(ticket) }), true);
    }
    showMore(data.msgOffline);
  }

  var sending = false;

  /* Post what was checked in offline; the server says what it applied. */
  function flush() {
    var queue = read(QUEUE_KEY, []).slice(0, MAX_BATCH);
    if (sending || !queue.length || navigator.onLine === false) {
      return;
    }
    sending = true;
    var codes = queue.map(function (queued) { return queued.code; });
    post(codes).then(function (results) {
      var rest = read(QUEUE_KEY, []).slice(queue.length);
      write(QUEUE_KEY, rest);
      sending = false;
      if (rest.length) {
        window.setTimeout(flush, 0);  /* the next batch */
      }
      show(fill(data.msgSent, { n: results.length }), true);
      results.forEach(function (answer) {
        if (!answer.ok) {
          showMore(answer.message);
        }
      });
      return fetchList();
    }).catch(function () {
      sending = false;
    });
  }

  function check(text) {
    var code = normalise(text);
    if (!code) {
      show(fill(data.msgUnknown, { code: String(text || "").trim().slice(0, 40) }), false);
      return;
    }
    if (navigator.onLine === false) {
      answerOffline(code);
      return;
    }
    post([code]).then(function (results) {
      var answer = results[0];
      show(answer.message, answer.ok);
      remember(code, answer.checked_in_at, answer.time);
    }).catch(function () {
      answerOffline(code);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    input.focus();
    check(text);
  });

  /* --- the camera ------------------------------------------------------------------- */
  var camera = document.getElementById("door-camera");
  var scan = document.getElementById("door-scan");
  var stop = document.getElementById("door-stop");
  var note = document.getElementById("door-camera-note");
  var video = document.getElementById("door-video");
  var stream = null;
  var timer = null;
  var last = { code: "", at: 0 };

  function stopCamera() {
    if (timer) {
      window.clearInterval(timer);
      timer = null;
    }
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
    video.hidden = true;
    stop.hidden = true;
    scan.hidden = false;
  }

  /* A promise of read(video) -> a promise of the QR code's text in the current frame, or null. */
  function nativeReader() {
    if (!("BarcodeDetector" in window)) {
      return Promise.reject(new Error("no BarcodeDetector"));
    }
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") === -1) {
        throw new Error("no qr_code");
      }
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      return function (frame) {
        return detector.detect(frame).then(function (codes) {
          return codes.length ? codes[0].rawValue : null;
        });
      };
    });
  }

  var jsqrLoading = null;

  function loadJsQR() {
    if (window.jsQR) {
      return Promise.resolve(window.jsQR);
    }
    if (!jsqrLoading) {
      jsqrLoading = new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = data.jsqrUrl;
        tag.onload = function () {
          if (window.jsQR) {
            resolve(window.jsQR);
          } else {
            reject(new Error("jsQR missing"));
          }
        };
        tag.onerror = function () {
          jsqrLoading = null;
          reject(new Error("jsQR not loaded"));
        };
        document.head.appendChild(tag);
      });
    }
    return jsqrLoading;
  }

  var MAX_SIDE = 800;  /* frames are scaled down to this for jsQR: enough for a ticket's code */

  function jsqrReader() {
    if (!data.jsqrUrl || !window.Promise || !window.Uint8ClampedArray) {
      return Promise.reject(new Error("no jsQR"));
    }
    return loadJsQR().then(function (decode) {
      var canvas = document.createElement("canvas");
      var context = canvas.getContext("2d", { willReadFrequently: true });
      if (!context) {
        throw new Error("no canvas");
      }
      return function (frame) {
        var width = frame.videoWidth;
        var height = frame.videoHeight;
        if (!width || !height) {
          return Promise.resolve(null);
        }
        var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
        canvas.width = Math.round(width * scale);
        canvas.height = Math.round(height * scale);
        context.drawImage(frame, 0, 0, canvas.width, canvas.height);
        var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
        var found = decode(pixels.data, pixels.width, pixels.height,
          { inversionAttempts: "dontInvert" });
        return Promise.resolve(found ? found.data : null);
      };
    });
  }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.Promise) {
      note.textContent = data.msgNoScanner;
      return;
    }
    scan.disabled = true;
    nativeReader().catch(jsqrReader).then(function (reader) {
      return navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment" }, audio: false
      }).then(function (media) {
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        scan.hidden = true;
        scan.disabled = false;
        stop.hidden = false;
        note.textContent = data.msgAim;
        return video.play().then(function () {
          var busy = false;
          timer = window.setInterval(function () {
            if (busy) {
              return;
            }
            busy = true;
            reader(video).then(function (text) {
              busy = false;
              if (!text) {
                return;
              }
              var code = normalise(text);
              var now = Date.now();
              if (code && (code !== last.code || now - last.at > 4000)) {
                last = { code: code, at: now };
                check(code);
              }
            }).catch(function () {  /* a frame that could not be read */
              busy = false;
            });
          }, 300);
        });
      }, function () {
        scan.disabled = false;
        note.textContent = data.msgNoCamera;
        stopCamera();
      });
    }).catch(function () {
      scan.disabled = false;
      stopCamera();
      note.textContent = data.msgNoScanner;
    });
  }

  if (camera && scan && stop && video) {
    camera.hidden = false;
    scan.addEventListener("click", startCamera);
    stop.addEventListener("click", stopCamera);
  }

  window.addEventListener("online", flush);
  fetchList().then(flush, function () {
    var list = read(LIST_KEY, null);
    if (list) {
      listNote.textContent = fill(data.msgList, { n: Object.keys(list.tickets).length });
    }
  });
})();
