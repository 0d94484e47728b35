// The login link printed by `hireledger serve` carries the token in the URL fragment, which browsers
// never send to a server: post it like the form does and drop it from the address bar and history.
(function () {
  var m = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (!m) return;
  history.replaceState(null, "", "/login");
  var form = document.getElementById("login");
  document.getElementById("token").value = decodeURIComponent(m[1]);
  form.submit();
})();
