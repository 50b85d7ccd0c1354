/*
 * Native MuJoCo baseline for `simbridge bench physics` (src/bench/physics.ts).
 *
 * Loads an MJCF file with the native MuJoCo library and times raw mj_step the
 * way the benchmark times the WebAssembly build: random controls in the
 * actuators' range drawn once per control step, `frame_skip` mj_step calls per
 * control step, and a reset (mj_resetData + uniform noise 0.1 on qpos +
 * mj_forward) whenever qpos[2] leaves [z_min, z_max] (only when those are given,
 * for models whose torso can fall, e.g. Ant).
 *
 * Build (done by the benchmark in a temp dir):  gcc -O2 bench.c -lmujoco -lm
 * Usage: bench MODEL.xml SECONDS FRAME_SKIP ROUNDS SEED [Z_MIN Z_MAX]
 * Prints one JSON line: {"mujoco_version": V, "rates": [mj_steps/s per round]}.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <mujoco/mujoco.h>

static unsigned long long rng_state = 88172645463325252ULL;

/* xorshift64: uniform in [0, 1). */
static double uniform01(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (double)(rng_state >> 11) * (1.0 / 9007199254740992.0);
}

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void reset(const mjModel* m, mjData* d) {
  mj_resetData(m, d);
  for (int i = 0; i < m->nq; i++) d->qpos[i] += 0.2 * uniform01() - 0.1;
  mj_forward(m, d);
}

int main(int argc, char** argv) {
  if (argc != 6 && argc != 8) {
    fprintf(stderr, "usage: %s MODEL.xml SECONDS FRAME_SKIP ROUNDS SEED [Z_MIN Z_MAX]\n", argv[0]);
    return 2;
  }
  const char* path = argv[1];
  double seconds = atof(argv[2]);
  int frame_skip = atoi(argv[3]);
  int rounds = atoi(argv[4]);
  rng_state ^= strtoull(argv[5], NULL, 10) * 0x9E3779B97F4A7C15ULL;
  if (rng_state == 0) rng_state = 1;
  int check_z = argc == 8;
  double z_min = check_z ? atof(argv[6]) : 0.0;
  double z_max = check_z ? atof(argv[7]) : 0.0;
  if (seconds <= 0 || frame_skip < 1 || rounds < 1) {
    fprintf(stderr, "bad arguments\n");
    return 2;
  }

  char error[1024] = "";
  mjModel* m = mj_loadXML(path, NULL, error, sizeof(error));
  if (!m) {
    fprintf(stderr, "could not load %s: %s\n", path, error);
    return 1;
  }
  mjData* d = mj_makeData(m);
  reset(m, d);

  printf("{\"mujoco_version\": %d, \"rates\": [", mj_version());
  double per_round = seconds / rounds;
  for (int r = 0; r < rounds; r++) {
    long long steps = 0;
    double start = now_seconds();
    double elapsed = 0;
    do {
      for (int c = 0; c < 64; c++) {
        for (int u = 0; u < m->nu; u++) {
          double lo = m->actuator_ctrlrange[2 * u], hi = m->actuator_ctrlrange[2 * u + 1];
          d->ctrl[u] = lo + (hi - lo) * uniform01();
        }
        for (int k = 0; k < frame_skip; k++) mj_step(m, d);
        steps += frame_skip;
        if (check_z && !(d->qpos[2] >= z_min && d->qpos[2] <= z_max)) reset(m, d);
      }
      elapsed = now_seconds() - start;
    } while (elapsed < per_round);
    printf("%s%.1f", r ? ", " : "", (double)steps / elapsed);
    fflush(stdout);
  }
  printf("]}\n");

  mj_deleteData(d);
  mj_deleteModel(m);
  return 0;
}
