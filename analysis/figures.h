/*
 * figures: plots of a run's results, drawn by gnuplot.
 *
 * figures_response_times() writes DIR/figures/response_times.dat (the plotted numbers, one
 * row per task), response_times.gp (the gnuplot script, so a user can restyle it) and runs
 * gnuplot to draw response_times.svg and response_times.png: per task a box from p50 to p99,
 * whiskers from min to max, the mean as a point and the deadline as a cross. Every file is
 * written under a temporary name and renamed. Returns 0, -ENOENT when gnuplot is not
 * installed, or another negative errno (-EIO when gnuplot fails).
 */
#ifndef MOSAIC_ANALYSIS_FIGURES_H
#define MOSAIC_ANALYSIS_FIGURES_H

#include "analysis/results.h"
#include "sim/scenario.h"

int figures_response_times(const char *dir, const struct scenario *scenario,
                           const struct results *results);

#endif
