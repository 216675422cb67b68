# zeek -N shows the plugin with its packet source and ConnKey components.
# @TEST-EXEC: zeek -NN CloudTap::Sensor > output
# @TEST-EXEC: btest-diff output
