# Pointer-chase calibration curve: load-to-use latency against working-set size, detailed and
# fast, per platform, with the configured L1 / LLC / DRAM latencies as dashed lines.
# Run in the folder holding calibration.csv (tests/integration/test_memory.sh writes it):
#   gnuplot /path/to/scenarios/calibration/calibration.gp
# calibration.csv columns: platform, working_set_kib, detailed_ns, fast_ns, l1_ns, llc_ns, dram_ns
set datafile separator ','
set terminal svg size 900,540 dynamic noenhanced background rgb 'white'
set output 'calibration.svg'
set title 'Pointer-chase latency against working set'
set xlabel 'working set (KiB)'
set ylabel 'load-to-use latency (ns)'
set logscale x 2
set logscale y
set grid
set key top left opaque box
plot for [p in "zynqmp-a53 automotive-a76-8core"] \
       'calibration.csv' using ($2):(strcol(1) eq p ? $3 : 1/0) with linespoints pt 7 title p.' detailed', \
     for [p in "zynqmp-a53 automotive-a76-8core"] \
       'calibration.csv' using ($2):(strcol(1) eq p ? $4 : 1/0) with points pt 6 ps 1.5 title p.' fast', \
     for [p in "zynqmp-a53 automotive-a76-8core"] \
       'calibration.csv' using ($2):(strcol(1) eq p ? $5 : 1/0) with lines dt 2 lc 'gray' notitle, \
     for [p in "zynqmp-a53 automotive-a76-8core"] \
       'calibration.csv' using ($2):(strcol(1) eq p ? $6 : 1/0) with lines dt 2 lc 'gray' notitle, \
     for [p in "zynqmp-a53 automotive-a76-8core"] \
       'calibration.csv' using ($2):(strcol(1) eq p ? $7 : 1/0) with lines dt 2 lc 'gray' notitle
