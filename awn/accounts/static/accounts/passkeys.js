// Passkeys (WebAuthn) for staff: add one on the security page, use one at the second step of signing in.
// The server hands out the options (with a challenge it keeps, used once) and checks the answer
// (awn/accounts/passkeys.py); this file only carries them between the server and navigator.credentials.
(function () {
  "use strict";

  function toBytes(value) {
    var b64 = value.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var raw = atob(b64);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out.buffer;
  }

  function toText(buffer) {
    if (!buffer) { return null; }
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrf(root) {
    var input = (root && root.querySelector("input[name=csrfmiddlewaretoken]")) ||
      document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, body, token) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, data: data };
      });
    });
  }

  function showError(box, message) {
    var alert = box.querySelector("[data-passkey-error]");
    if (alert) {
      alert.textContent = message;
      alert.classList.remove("d-none");
    }
  }

  function descriptors(list) {
    return (list || []).map(function (c) {
      return { type: c.type, id: toBytes(c.id), transports: c.transports };
    });
  }

  function creationOptions(o) {
    var options = Object.assign({}, o);
    options.challenge = toBytes(o.challenge);
    options.user = Object.assign({}, o.user, { id: toBytes(o.user.id) });
    options.excludeCredentials = descriptors(o.excludeCredentials);
    return options;
  }

  function requestOptions(o) {
    var options = Object.assign({}, o);
    options.challenge = toBytes(o.challenge);
    options.allowCredentials = descriptors(o.allowCredentials);
    return options;
  }

  function registrationJSON(credential) {
    var r = credential.response;
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: toText(r.clientDataJSON),
        attestationObject: toText(r.attestationObject),
        transports: r.getTransports ? r.getTransports() : []
      },
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {}
    };
  }

  function authenticationJSON(credential) {
    var r = credential.response;
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: toText(r.clientDataJSON),
        authenticatorData: toText(r.authenticatorData),
        signature: toText(r.signature),
        userHandle: toText(r.userHandle)
      },
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {}
    };
  }

  function supported(box) {
    if (window.PublicKeyCredential && navigator.credentials) { return true; }
    showError(box, box.dataset.unsupported);
    return false;
  }

  // The security page: name the new passkey, create it, send it.
  var addForm = document.getElementById("passkey-add-form");
  if (addForm) {
    addForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!supported(addForm)) { return; }
      var token = csrf(addForm);
      var name = addForm.querySelector("input[name=name]").value;
      var button = addForm.querySelector("button[type=submit]");
      button.disabled = true;
      post(addForm.dataset.optionsUrl, {}, token).then(function (answer) {
        if (!answer.ok) { throw new Error(answer.data.error || addForm.dataset.cancelled); }
        return navigator.credentials.create({ publicKey: creationOptions(answer.data) }).catch(function () {
          throw new Error(addForm.dataset.cancelled);
        });
      }).then(function (credential) {
        return post(addForm.dataset.registerUrl, { name: name, credential: registrationJSON(credential) }, token);
      }).then(function (answer) {
        if (!answer.ok) { throw new Error(answer.data.error || addForm.dataset.cancelled); }
        window.location.assign(answer.data.redirect);
      }).catch(function (error) {
        showError(addForm, error.message);
        button.disabled = false;
      });
    });
  }

  // The second step of signing in: use a passkey instead of a code.
  var step = document.getElementById("passkey-sign-in");
  if (step) {
    var useButton = step.querySelector("[data-testid=passkey-sign-in]");
    useButton.addEventListener("click", function () {
      if (!supported(step)) { return; }
      var token = csrf(document);
      useButton.disabled = true;
      post(step.dataset.optionsUrl, {}, token).then(function (answer) {
        if (!answer.ok) {
          if (answer.data.redirect) { window.location.assign(answer.data.redirect); }
          throw new Error(answer.data.error || step.dataset.cancelled);
        }
        return navigator.credentials.get({ publicKey: requestOptions(answer.data) }).catch(function () {
          throw new Error(step.dataset.cancelled);
        });
      }).then(function (credential) {
        return post(step.dataset.verifyUrl, { credential: authenticationJSON(credential) }, token);
      }).then(function (answer) {
        if (!answer.ok) {
          if (answer.data.redirect) { window.location.assign(answer.data.redirect); }
          throw new Error(answer.data.error || step.dataset.cancelled);
        }
        window.location.assign(answer.data.redirect);
      }).catch(function (error) {
        showError(step, error.message);
        useButton.disabled = false;
      });
    });
  }
})();
