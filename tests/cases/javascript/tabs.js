// Tabs
class Tabs {
	method(a) {
		if (a) {
			return a;
		}
		return 0;
	}
}

function commentsFirst() {
		// a comment indented deeper than the code
	return 1;
}
