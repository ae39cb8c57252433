#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Licensed under the MIT license.

import _telemetry_utils as _tel
@_tel.span
def main():
	return 0


if __name__ == "__main__":
	main()
