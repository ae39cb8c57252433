// Tabs
const _tel = require("./_telemetry_utils.cjs");
class Tabs {
	method(a) {
		const _tel$ = _tel.start("Tabs.method", "", 4); try {
		if (a) {
			return a;
		}
		return 0;
		} catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
	}
}

function commentsFirst() {
	const _tel$ = _tel.start("commentsFirst", "", 14); try {
		// a comment indented deeper than the code
	return 1;
	} catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}
