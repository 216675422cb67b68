# A bad source spec stops Zeek with cloudtap's one-line reason.
# @TEST-EXEC-FAIL: zeek -i 'cloudtap::vxlan://:4789?alow=10.0.0.0/8' > output 2>&1
# @TEST-EXEC-FAIL: zeek -r 'cloudtap::vxlan://127.0.0.1:4789' >> output 2>&1
# @TEST-EXEC: btest-diff output
