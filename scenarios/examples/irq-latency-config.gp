# The interrupt-latency distribution of one configuration of the irq-latency experiment, as
# its quantile function (latency at the 0, 50, 90, 99, 99.9 and 100th percentiles of the
# histogram). Called by irq-latency.sh with data='quantiles-<config>.dat' config='<config>'.
set terminal svg size 640,400 dynamic noenhanced background rgb 'white'
set output 'irq-latency-'.config.'.svg'
set title 'Timer interrupt latency: '.config
set xlabel 'percentile'
set ylabel 'latency (us)'
set grid
set yrange [0:*]
set xrange [0:100]
set key off
plot data using 1:2 with linespoints lw 2 pt 7
