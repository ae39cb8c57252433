// Windows newlines
function crlf(a) {
  return a;
}

const arrow = (a) => {
  return a;
};
