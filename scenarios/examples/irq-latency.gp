# Mean and p99 interrupt latency of every configuration of the irq-latency experiment (run in
# the folder holding irq-latency.csv; irq-latency.sh does).
set datafile separator ','
set terminal svg size 1400,600 dynamic noenhanced background rgb 'white'
set output 'irq-latency.svg'
set title 'Timer interrupt latency into the guest on cpu0 (design / load / colours)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.5 border
set xtics rotate by 90 right nomirror font ',9'
set bmargin 11
set grid ytics
set logscale y
set ylabel 'latency (us, log scale)'
set key top left opaque box
plot 'irq-latency.csv' every ::1 using 6:xtic(sprintf('%s/%s/%s', stringcolumn(1), stringcolumn(2), stringcolumn(3))) title 'mean', \
     '' every ::1 using 9 title 'p99'
