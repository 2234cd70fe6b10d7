# Figures of the virtio experiments (run in the folder holding placement.csv, event_idx.csv,
# ring.csv and can.csv; virtio.sh does). Columns as in virtio.csv.
set datafile separator ','
set terminal svg size 1000,520 dynamic noenhanced background rgb 'white'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.5 border
set grid ytics
set key top left opaque box
set xtics nomirror

set output 'virtio-placement.svg'
set title 'virtio-blk latency by backend placement, alone and with a memory-hog VM on the service VM core'
set ylabel 'latency (us)'
plot 'placement.csv' every ::1 using 5:xtic(stringcolumn(2)) title 'mean', \
     '' every ::1 using 7 title 'p99'

set output 'virtio-phases.svg'
set xtics rotate by -25 left font ',9'
set title 'virtio-blk mean latency by phase, the flash service (phase_device) left out (us)'
set style histogram rowstacked
set key outside right
plot for [c in '9 10 11 12 13 15 16'] 'placement.csv' using int(c):xtic(stringcolumn(2)) \
     title columnheader(int(c))

set style histogram clustered gap 1
set key top left opaque box inside
set output 'virtio-suppression.svg'
set title 'Notifications and interrupts per request, EVENT_IDX on and off (service VM backend)'
set ylabel 'per request'
plot 'event_idx.csv' every ::1 using 17:xtic(stringcolumn(2)) title 'notifications', \
     '' every ::1 using 18 title 'interrupts'

set output 'virtio-rings.svg'
set title 'Ring cache misses per request, split and packed rings'
set ylabel 'per request'
plot 'ring.csv' every ::1 using 19:xtic(stringcolumn(2)) title 'ring L1 misses', \
     '' every ::1 using 20 title 'ring hand-offs'

set output 'virtio-can.svg'
set title 'CAN frame latency through the shared virtio-can backend (us)'
set ylabel 'latency (us)'
plot 'can.csv' every ::1 using 5:xtic(stringcolumn(3)) title 'mean', \
     '' every ::1 using 7 title 'p99', '' every ::1 using 8 title 'max'
