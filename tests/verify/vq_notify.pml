/*
 * vq_notify.pml: the virtqueue notification protocol (VIRTIO 1.2 2.7.7, 2.7.10, 2.7.13,
 * 2.8.10, 2.8.21) between a driver and a device that share ring memory, on a TSO-like
 * machine with one FIFO store buffer per side. See tests/verify/README.md.
 *
 * Compile-time switches (passed to spin with -D):
 *   PACKED=0|1     split ring (avail/used idx, avail_event/used_event, NO_NOTIFY/NO_INTERRUPT)
 *                  or packed ring (descriptor AVAIL/USED flags, event suppression structures)
 *   EVENT_IDX=0|1  event-index suppression (split: avail_event/used_event; packed: flags=DESC
 *                  with off_wrap) or flag suppression (NO_NOTIFY/NO_INTERRUPT; ENABLE/DISABLE)
 *   WEAK=mask      which full barriers are weakened to release/acquire (a no-op on TSO: it
 *                  does not stop a later load from passing an earlier store):
 *                    1 = C, driver: publish, then read the device's suppression (kick decision)
 *                    2 = C, device: re-enable kicks, then re-read the available ring
 *                    4 = D, device: publish used, then read the driver's suppression (interrupt)
 *                    8 = D, driver: re-enable interrupts, then re-read the used ring
 *   NBUF, QSZ      buffers sent in total and ring size (in-flight <= QSZ)
 *
 * Property: no lost wake-up. A deadlock (Spin's timeout) with either side asleep while the
 * other side's work is visible to it is reported by the assertion in the monitor; any other
 * stuck state is an invalid end state (only the store-buffer drains, the finished driver and
 * the device that saw `done` are valid end states).
 */

#ifndef PACKED
#define PACKED 0
#endif
#ifndef EVENT_IDX
#define EVENT_IDX 1
#endif
#ifndef WEAK
#define WEAK 0
#endif
#ifndef NBUF
#define NBUF 3
#endif
#ifndef QSZ
#define QSZ 2
#endif

#define F_KICK 1
#define F_DEV_ENABLE 2
#define F_IRQ 4
#define F_DRV_ENABLE 8

/* Shared memory words. Split: the six ring fields. Packed: the two event suppression
 * structures (flags and off_wrap each) plus one flags word per descriptor slot. */
#define AVAIL_IDX 0   /* split avail->idx */
#define DEV_EVENT 1   /* split used->avail_event;    packed device area off_wrap */
#define DEV_FLAGS 2   /* split used->flags NO_NOTIFY; packed device area flags */
#define USED_IDX 3    /* split used->idx */
#define DRV_EVENT 4   /* split avail->used_event;    packed driver area off_wrap */
#define DRV_FLAGS 5   /* split avail->flags NO_INTERRUPT; packed driver area flags */
#define DESC0 6       /* packed: descriptor slot i flags at DESC0 + i */
#define NVARS (DESC0 + QSZ)

/* packed descriptor flags bits (scaled down from bits 7 and 15) and event flags */
#define D_AVAIL 1
#define D_USED 2
#define EV_ENABLE 0
#define EV_DISABLE 1
#define EV_DESC 2
#define WRAP_BIT 32768

#define DRV 0
#define DEV 1
#define SB 2 /* store buffer entries per side; a full buffer stalls the store */

int mem[NVARS];
byte sb_var[2 * SB];
int sb_val[2 * SB];
byte sb_n[2];

bit kick;     /* device doorbell (eventfd / MMIO notify register), level-latched */
bit irq;      /* used-buffer interrupt (eventfd / interrupt line), level-latched */
bit done;     /* driver finished: lets the device terminate (model bookkeeping) */
bit dev_asleep;
bit drv_asleep;
byte drv_added;     /* buffers the driver made available */
byte drv_got;       /* used buffers the driver reclaimed */
byte dev_consumed;  /* available buffers the device took */

/* ---- TSO memory ---------------------------------------------------------------------- */
inline store(p, v, x)
{
	atomic {
		sb_n[p] < SB ->
		sb_var[p * SB + sb_n[p]] = v;
		sb_val[p * SB + sb_n[p]] = x;
		sb_n[p]++
	}
}

/* a load sees the newest own buffered store to that word, else memory */
inline load(p, v, r)
{
	d_step {
		r = mem[v];
		li = 0;
		do
		:: li < sb_n[p] ->
			if
			:: sb_var[p * SB + li] == v -> r = sb_val[p * SB + li]
			:: else -> skip
			fi;
			li++
		:: else -> break
		od;
		li = 0
	}
}

/* full barrier: stall until the own store buffer has drained; a weakened (release/acquire)
 * barrier does nothing on TSO */
inline fence(p, site)
{
	if
	:: (WEAK & site) != 0 -> skip
	:: else -> sb_n[p] == 0
	fi
}

/* a notification (eventfd write syscall, MMIO doorbell) is serialising: earlier stores are
 * visible before the other side can observe it */
inline notify(p, flag)
{
	sb_n[p] == 0;
	flag = 1
}

proctype drain(byte p)
{
	byte k;
end:
	do
	:: d_step {
		sb_n[p] > 0 ->
		mem[sb_var[p * SB]] = sb_val[p * SB];
		k = 1;
		do
		:: k < sb_n[p] ->
			sb_var[p * SB + k - 1] = sb_var[p * SB + k];
			sb_val[p * SB + k - 1] = sb_val[p * SB + k];
			k++
		:: else -> break
		od;
		sb_n[p]--;
		sb_var[p * SB + sb_n[p]] = 0;
		sb_val[p * SB + sb_n[p]] = 0;
		k = 0
	}
	od
}

/* vring_need_event(event, new, old) on u16 */
#define NEED_EVENT(ev, nw, old) \
	((((nw) - (ev) - 1) & 65535) < (((nw) - (old)) & 65535))

/* packed: an off_wrap event for a ring whose current wrap counter is `wrap` */
inline packed_event_index(off_wrap, wrap, r)
{
	r = off_wrap & (WRAP_BIT - 1);
	if
	:: (off_wrap / WRAP_BIT) != wrap -> r = r - QSZ
	:: else -> skip
	fi
}

/* ---- driver ------------------------------------------------------------------------------ */
proctype driver()
{
	byte li;
	int r;
	int ev;
	int evi;
	bit avail_wrap = 1; /* packed driver ring wrap counter */
	byte avail_next = 0;
	bit used_wrap = 1;
	byte used_next = 0;

	do
	:: drv_added < NBUF && drv_added - drv_got < QSZ ->
		/* add one buffer: barrier A (release) is implicit on TSO */
		drv_added++;
#if PACKED
		if
		:: avail_wrap -> store(DRV, DESC0 + avail_next, D_AVAIL)
		:: else -> store(DRV, DESC0 + avail_next, D_USED)
		fi;
		avail_next++;
		if
		:: avail_next == QSZ -> avail_next = 0; avail_wrap = 1 - avail_wrap
		:: else -> skip
		fi;
#else
		store(DRV, AVAIL_IDX, drv_added);
#endif
		fence(DRV, F_KICK);
		/* kick decision (pairing C) */
		load(DRV, DEV_FLAGS, r);
#if PACKED && EVENT_IDX
		if
		:: r == EV_DESC ->
			load(DRV, DEV_EVENT, ev);
			packed_event_index(ev, avail_wrap, evi);
			if
			:: NEED_EVENT(evi, avail_next, avail_next - 1) -> notify(DRV, kick)
			:: else -> skip
			fi
		:: r != EV_DESC && r != EV_DISABLE -> notify(DRV, kick)
		:: else -> skip
		fi
#elif EVENT_IDX
		load(DRV, DEV_EVENT, ev);
		if
		:: NEED_EVENT(ev, drv_added, drv_added - 1) -> notify(DRV, kick)
		:: else -> skip
		fi
#else
		if
		:: r == 0 -> notify(DRV, kick) /* split NO_NOTIFY clear; packed ENABLE */
		:: else -> skip
		fi
#endif
	:: drv_got < drv_added ->
		/* reap: poll the used ring */
#if PACKED
		load(DRV, DESC0 + used_next, r);
		r = (r == D_AVAIL + D_USED && used_wrap) || (r == 0 && !used_wrap);
#else
		load(DRV, USED_IDX, r);
		r = (r != drv_got);
#endif
		if
		:: r -> skip
		:: else ->
			/* nothing used: re-enable interrupts, then re-check (pairing D) */
#if PACKED && EVENT_IDX
			store(DRV, DRV_EVENT, used_next + used_wrap * WRAP_BIT);
			store(DRV, DRV_FLAGS, EV_DESC);
#elif EVENT_IDX
			store(DRV, DRV_EVENT, drv_got);
#else
			store(DRV, DRV_FLAGS, 0);
#endif
			fence(DRV, F_DRV_ENABLE);
#if PACKED
			load(DRV, DESC0 + used_next, r);
			r = (r == D_AVAIL + D_USED && used_wrap) || (r == 0 && !used_wrap);
#else
			load(DRV, USED_IDX, r);
			r = (r != drv_got);
#endif
			if
			:: r -> skip
			:: else ->
				drv_asleep = 1;
drv_sleep:			atomic { irq -> irq = 0; drv_asleep = 0 }
			fi;
#if !EVENT_IDX
			store(DRV, DRV_FLAGS, 1); /* NO_INTERRUPT / DISABLE while busy */
#endif
			r = 0
		fi;
		if
		:: r ->
			drv_got++;
#if PACKED
			used_next++;
			if
			:: used_next == QSZ -> used_next = 0; used_wrap = 1 - used_wrap
			:: else -> skip
			fi
#endif
		:: else -> skip
		fi
	:: drv_got == NBUF -> break
	od;
	done = 1
}

/* ---- device ------------------------------------------------------------------------------ */
proctype device()
{
	byte li;
	int r;
	int ev;
	int evi;
	bit avail_wrap = 1; /* packed device ring wrap counter */
	byte avail_next = 0;
	bit used_wrap = 1;
	byte used_next = 0;
	byte used_idx = 0;

	do
	:: true ->
#if PACKED
		load(DEV, DESC0 + avail_next, r);
		r = (r == D_AVAIL && avail_wrap) || (r == D_USED && !avail_wrap);
#else
		load(DEV, AVAIL_IDX, r);
		r = (r != dev_consumed);
#endif
		if
		:: r ->
			/* pop one buffer (barrier A acquire is implicit on TSO) */
			dev_consumed++;
#if PACKED
			avail_next++;
			if
			:: avail_next == QSZ -> avail_next = 0; avail_wrap = 1 - avail_wrap
			:: else -> skip
			fi;
			/* push it used, in order */
			if
			:: used_wrap -> store(DEV, DESC0 + used_next, D_AVAIL + D_USED)
			:: else -> store(DEV, DESC0 + used_next, 0)
			fi;
			used_next++;
			if
			:: used_next == QSZ -> used_next = 0; used_wrap = 1 - used_wrap
			:: else -> skip
			fi;
#else
			used_idx++;
			store(DEV, USED_IDX, used_idx);
#endif
			fence(DEV, F_IRQ);
			/* interrupt decision (pairing D) */
			load(DEV, DRV_FLAGS, r);
#if PACKED && EVENT_IDX
			if
			:: r == EV_DESC ->
				load(DEV, DRV_EVENT, ev);
				packed_event_index(ev, used_wrap, evi);
				if
				:: NEED_EVENT(evi, used_next, used_next - 1) -> notify(DEV, irq)
				:: else -> skip
				fi
			:: r != EV_DESC && r != EV_DISABLE -> notify(DEV, irq)
			:: else -> skip
			fi
#elif EVENT_IDX
			load(DEV, DRV_EVENT, ev);
			if
			:: NEED_EVENT(ev, used_idx, used_idx - 1) -> notify(DEV, irq)
			:: else -> skip
			fi
#else
			if
			:: r == 0 -> notify(DEV, irq)
			:: else -> skip
			fi
#endif
		:: else ->
			/* no work: re-enable kicks, then re-check (pairing C) */
#if PACKED && EVENT_IDX
			store(DEV, DEV_EVENT, avail_next + avail_wrap * WRAP_BIT);
			store(DEV, DEV_FLAGS, EV_DESC);
#elif EVENT_IDX
			store(DEV, DEV_EVENT, dev_consumed);
#else
			store(DEV, DEV_FLAGS, 0);
#endif
			fence(DEV, F_DEV_ENABLE);
#if PACKED
			load(DEV, DESC0 + avail_next, r);
			r = (r == D_AVAIL && avail_wrap) || (r == D_USED && !avail_wrap);
#else
			load(DEV, AVAIL_IDX, r);
			r = (r != dev_consumed);
#endif
			if
			:: r -> skip
			:: else ->
				dev_asleep = 1;
dev_sleep:			atomic { (kick || done) -> kick = 0; dev_asleep = 0 };
				if
				:: done -> break
				:: else -> skip
				fi
			fi;
#if !EVENT_IDX
			store(DEV, DEV_FLAGS, 1) /* NO_NOTIFY / DISABLE while busy */
#endif
		fi
	od
}

/* At a deadlock every store buffer has drained, so memory is what both sides would see. */
active proctype monitor()
{
	timeout ->
	assert(!(dev_asleep && drv_added != dev_consumed)); /* lost kick */
	assert(!(drv_asleep && dev_consumed != drv_got));   /* lost interrupt */
	assert(done)
}

init
{
	atomic {
		mem[DRV_FLAGS] = 0; /* both sides start with notifications enabled */
		mem[DEV_FLAGS] = 0;
		run drain(DRV);
		run drain(DEV);
		run driver();
		run device()
	}
}
