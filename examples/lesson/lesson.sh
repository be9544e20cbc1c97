#!/usr/bin/env sh
# The image2image lesson in four commands (run from the repository root).
# With no SD1.5 checkpoint in ./models/checkpoints, pass --stub-models to see the layout with random weights:
#   sh examples/lesson/lesson.sh --stub-models
set -e
OUT=output/lesson

# 1. KSampler (Advanced), 20 steps, starting at step 0, 1, 9 and 20: where does the picture come from?
graphrun sweep "workflows/SD1.5_image2image_KSampler_(Advanced).json" \
  --set KSamplerAdvanced.steps=20 \
  --axis KSamplerAdvanced.start_at_step=0,1,9,20 -o "$OUT/start_at_step" "$@"

# 2. KSampler denoise from 1.0 down to 0.0.
graphrun sweep workflows/SD1.5_image2image_KSampler.json \
  --axis KSampler.denoise=1.0:0.0:-0.25 -o "$OUT/denoise" "$@"

# 3. Both knobs at once: denoise down the rows, seed across the columns (a 5 x 2 grid, one sheet).
graphrun sweep workflows/SD1.5_image2image_KSampler.json \
  --axis KSampler.seed=1,2 --axis KSampler.denoise=1.0:0.0:-0.25 -o "$OUT/denoise_x_seed" "$@"

# 4. img2img at denoise 1.0 next to text2image (same prompt, seed, steps, sampler): identical or not?
#    (exit code 1 = they differ, as for `diff`)
graphrun compare workflows/SD1.5_image2image_KSampler.json workflows/SD1.5_text2image.json \
  --set-a KSampler.denoise=1.0 -o "$OUT/img2img_1.0_vs_text2image.png" "$@" || true
