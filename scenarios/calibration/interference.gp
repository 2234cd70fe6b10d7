# Interference on the ZCU102 (scenarios/examples/interference-*.json): the victim's slowdown
# (mean response time over its solo mean) and its LLC misses per kilo-instruction, detailed and
# fast, per configuration. Run in the folder holding interference.csv:
#   gnuplot /path/to/scenarios/calibration/interference.gp
# interference.csv columns: label, detailed_slowdown, fast_slowdown, detailed_llc_mpki,
# fast_llc_mpki
set datafile separator ','
set terminal svg size 1000,560 dynamic noenhanced background rgb 'white'
set output 'interference.svg'
set multiplot layout 1,2 title 'Victim on cpu0 against streaming hogs'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.5 border
set xtics rotate by -35 nomirror
set grid ytics
set key top left opaque box
set yrange [0:*]
set ylabel 'slowdown (mean response / solo)'
plot 'interference.csv' using 2:xtic(1) title 'detailed', '' using 3 title 'fast'
set yrange [0:*]
set ylabel 'victim LLC misses per kilo-instruction'
plot 'interference.csv' using 4:xtic(1) title 'detailed', '' using 5 title 'fast'
unset multiplot
