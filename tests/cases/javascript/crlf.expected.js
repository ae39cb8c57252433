// Windows newlines
const _tel = require("./_telemetry_utils.cjs");
function crlf(a) {
  const _tel$ = _tel.start("crlf", "", 3); try {
  return a;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

const arrow = (a) => {
  const _tel$ = _tel.start("arrow", "", 9); try {
  return a;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
};
