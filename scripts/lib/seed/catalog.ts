/**
 * What the demo providers offer: believable compute resources with titles, descriptions, locations,
 * specifications and prices in FTNS per hour. Pure functions of the PRNG, so the same seed lists the
 * same market. Prices are computed in integer milli-FTNS and only then scaled to token units.
 */
import type { Prng } from "../prng.js";

export const CATEGORIES = ["gpu", "cpu", "storage", "inference_api", "dataset_processing"] as const;
export type Category = (typeof CATEGORIES)[number];

/** The JSON every listing carries (its keccak256 is stored on-chain). */
export type ListingMetadata = {
  title: string;
  description: string;
  category: Category;
  resource_type: string;
  location: string;
  specifications: Record<string, string | number | boolean | string[]>;
};

export type Offer = {
  metadata: ListingMetadata;
  pricePerHour: bigint;
  capacity: number;
  /** Typical rental lengths for this kind of resource. */
  minHours: number;
  maxHours: number;
};

export type ProviderProfile = {
  name: string;
  city: City;
  specialty: Category;
};

type City = { name: string; country: string; region: string };

const MILLI_FTNS = 10n ** 15n;

const CITIES: readonly City[] = [
  { name: "Frankfurt", country: "DE", region: "eu-central" },
  { name: "Amsterdam", country: "NL", region: "eu-west" },
  { name: "London", country: "GB", region: "eu-west" },
  { name: "Paris", country: "FR", region: "eu-west" },
  { name: "Stockholm", country: "SE", region: "eu-north" },
  { name: "Helsinki", country: "FI", region: "eu-north" },
  { name: "Warsaw", country: "PL", region: "eu-central" },
  { name: "Zurich", country: "CH", region: "eu-central" },
  { name: "Dublin", country: "IE", region: "eu-west" },
  { name: "Madrid", country: "ES", region: "eu-south" },
  { name: "Ashburn", country: "US", region: "us-east" },
  { name: "New York", country: "US", region: "us-east" },
  { name: "Dallas", country: "US", region: "us-central" },
  { name: "Chicago", country: "US", region: "us-central" },
  { name: "Hillsboro", country: "US", region: "us-west" },
  { name: "San Jose", country: "US", region: "us-west" },
  { name: "Montreal", country: "CA", region: "ca-east" },
  { name: "São Paulo", country: "BR", region: "sa-east" },
  { name: "Tokyo", country: "JP", region: "ap-northeast" },
  { name: "Seoul", country: "KR", region: "ap-northeast" },
  { name: "Singapore", country: "SG", region: "ap-southeast" },
  { name: "Mumbai", country: "IN", region: "ap-south" },
  { name: "Sydney", country: "AU", region: "ap-southeast" },
  { name: "Johannesburg", country: "ZA", region: "af-south" },
];

const NAME_FIRST = [
  "Nordlys", "Helix", "Cobalt", "Aurora", "Tessera", "Quanta", "Lumen", "Kestrel", "Orbital", "Granite",
  "Polar", "Meridian", "Fjord", "Basalt", "Zephyr", "Atlas", "Cirrus", "Ember", "Halcyon", "Vertex",
  "Sable", "Juniper", "Obsidian", "Tundra", "Solace", "Riverbend", "Ironwood", "Larch", "Monsoon", "Pinnacle",
];
const NAME_SECOND = ["Compute", "Cloud", "Labs", "GPU", "Data", "Systems", "Networks", "AI", "Grid", "Works"];

const SPECIALTY_WEIGHTS: readonly (readonly [Category, number])[] = [
  ["gpu", 36],
  ["inference_api", 20],
  ["cpu", 17],
  ["dataset_processing", 14],
  ["storage", 13],
];

export function providerProfile(rng: Prng, index: number): ProviderProfile {
  // Index-based names stay unique for up to 300 providers; the PRNG only picks the rest.
  const name = `${NAME_FIRST[index % NAME_FIRST.length]} ${NAME_SECOND[Math.floor(index / NAME_FIRST.length) % NAME_SECOND.length]}`;
  return { name, city: rng.pick(CITIES), specialty: rng.weighted(SPECIALTY_WEIGHTS) };
}

/** One offer of `provider`, mostly in its specialty, sometimes in its home city's second site. */
export function makeOffer(rng: Prng, provider: ProviderProfile): Offer {
  const category = rng.chance(0.8) ? provider.specialty : rng.weighted(SPECIALTY_WEIGHTS);
  const city = rng.chance(0.75) ? provider.city : rng.pick(CITIES);
  switch (category) {
    case "gpu":
      return gpuOffer(rng, provider, city);
    case "cpu":
      return cpuOffer(rng, provider, city);
    case "storage":
      return storageOffer(rng, provider, city);
    case "inference_api":
      return inferenceOffer(rng, provider, city);
    case "dataset_processing":
      return datasetOffer(rng, provider, city);
  }
}

const location = (city: City) => `${city.name}, ${city.country}`;

/** Whole milli-FTNS, rounded down to whole cents (at least one), as token units. */
function priceFromMilli(milli: number): bigint {
  const cents = Math.max(1, Math.floor(milli / 10));
  return BigInt(cents) * 10n * MILLI_FTNS;
}

/* ------------------------------------------------------------------ GPU */

type GpuModel = { name: string; short: string; memoryGb: number; milliPerGpu: [number, number]; form: "SXM" | "PCIe"; maxCount: number };

const GPU_MODELS: readonly (readonly [GpuModel, number])[] = [
  [{ name: "NVIDIA H100 80GB SXM5", short: "H100", memoryGb: 80, milliPerGpu: [2450, 3900], form: "SXM", maxCount: 8 }, 16],
  [{ name: "NVIDIA H200 141GB", short: "H200", memoryGb: 141, milliPerGpu: [3300, 4500], form: "SXM", maxCount: 8 }, 6],
  [{ name: "NVIDIA A100 80GB", short: "A100", memoryGb: 80, milliPerGpu: [1400, 2200], form: "SXM", maxCount: 8 }, 18],
  [{ name: "NVIDIA A100 40GB", short: "A100", memoryGb: 40, milliPerGpu: [950, 1400], form: "PCIe", maxCount: 4 }, 8],
  [{ name: "NVIDIA L40S 48GB", short: "L40S", memoryGb: 48, milliPerGpu: [800, 1200], form: "PCIe", maxCount: 4 }, 10],
  [{ name: "NVIDIA RTX 4090 24GB", short: "RTX 4090", memoryGb: 24, milliPerGpu: [300, 600], form: "PCIe", maxCount: 4 }, 14],
  [{ name: "NVIDIA RTX A6000 48GB", short: "RTX A6000", memoryGb: 48, milliPerGpu: [550, 850], form: "PCIe", maxCount: 4 }, 8],
  [{ name: "NVIDIA L4 24GB", short: "L4", memoryGb: 24, milliPerGpu: [350, 550], form: "PCIe", maxCount: 8 }, 6],
  [{ name: "AMD Instinct MI300X 192GB", short: "MI300X", memoryGb: 192, milliPerGpu: [2400, 3400], form: "SXM", maxCount: 8 }, 5],
];

const GPU_DESCRIPTIONS = [
  "Ideal for fine-tuning and batch inference; images with CUDA 12.4, PyTorch 2.4 and JAX are ready to boot.",
  "Root SSH within minutes of acceptance, persistent NVMe scratch, and a 99.9% uptime record over the last year.",
  "Liquid-cooled racks in a Tier III facility running on certified renewable power.",
  "Popular for LoRA fine-tunes and Stable Diffusion training; Jupyter and VS Code server preinstalled.",
  "No noisy neighbours: the whole node is yours for the rental, with full NVLink bandwidth between GPUs.",
  "Unmetered egress and a private 25 Gbps VLAN to our storage tier on request.",
];

function gpuOffer(rng: Prng, provider: ProviderProfile, city: City): Offer {
  const model = rng.weighted(GPU_MODELS);
  const count = rng.weighted(([[1, 40], [2, 20], [4, 22], [8, 18]] as const).filter(([n]) => n <= model.maxCount));
  const vcpusPerGpu = rng.pick([12, 16, 24, 28]);
  const memoryPerGpu = rng.pick([64, 96, 128, 192, 256]);
  const nvmeHundredthsTb = count * rng.pick([96, 192, 384]);
  const bareMetal = count === 8 || rng.chance(0.25);
  const interconnect = count === 1 ? "none" : model.form === "SXM" ? "NVLink" : "PCIe Gen4";
  const bandwidth = count === 8 ? rng.pick([200, 400, 800]) : rng.pick([10, 25, 50, 100]);
  const perNode = count * rng.int(model.milliPerGpu[0], model.milliPerGpu[1]);
  const milli = bareMetal ? perNode + Math.floor(perNode / 25) : perNode; // whole-node premium
  const label = `${count > 1 ? `${count}× ` : ""}${model.name}`;
  return {
    metadata: {
      title: `${label} — ${city.name}`,
      description:
        `${count > 1 ? `${count} ${model.short} GPUs` : `A dedicated ${model.short}`} with ${count * vcpusPerGpu} vCPUs and ` +
        `${count * memoryPerGpu} GB RAM, operated by ${provider.name} in ${city.name}. ${rng.pick(GPU_DESCRIPTIONS)}`,
      category: "gpu",
      resource_type: bareMetal ? "bare_metal" : rng.pick(["virtual_machine", "container"]),
      location: location(city),
      specifications: {
        gpu_model: model.short,
        gpu_count: count,
        gpu_memory_gb: model.memoryGb,
        vcpus: count * vcpusPerGpu,
        memory_gb: count * memoryPerGpu,
        storage_tb: nvmeHundredthsTb / 100,
        interconnect,
        bandwidth_gbps: bandwidth,
        cuda_version: model.short === "MI300X" ? "ROCm 6.1" : rng.pick(["12.2", "12.4", "12.6"]),
        region: city.region,
      },
    },
    pricePerHour: priceFromMilli(milli),
    capacity: count === 8 || rng.chance(0.7) ? 1 : rng.int(2, 4),
    minHours: 1,
    maxHours: rng.pick([48, 72, 168]),
  };
}

/* ------------------------------------------------------------------ CPU */

const CPU_MODELS = [
  { name: "AMD EPYC 9654", cores: 96, arch: "x86_64" },
  { name: "AMD EPYC 9754", cores: 128, arch: "x86_64" },
  { name: "AMD EPYC 7763", cores: 64, arch: "x86_64" },
  { name: "Intel Xeon Platinum 8480+", cores: 56, arch: "x86_64" },
  { name: "Intel Xeon Gold 6338", cores: 32, arch: "x86_64" },
  { name: "Ampere Altra Max M128-30", cores: 128, arch: "aarch64" },
] as const;

const CPU_DESCRIPTIONS = [
  "Good fit for CI runners, simulation sweeps and compilation farms.",
  "ECC memory, local NVMe, and a 10 Gbps uplink; Ubuntu 24.04 or Debian 12 on boot.",
  "Dedicated cores with no overcommit, so benchmarks stay repeatable.",
  "Popular for genomics pipelines and Monte Carlo risk runs overnight.",
];

function cpuOffer(rng: Prng, provider: ProviderProfile, city: City): Offer {
  const model = rng.pick(CPU_MODELS);
  const vcpus = rng.pick([8, 16, 32, 64, 96, 128, 192].filter((n) => n <= model.cores * 2));
  const memoryGb = vcpus * rng.pick([2, 4, 8]);
  const perVm = vcpus * rng.int(8, 22);
  const milli = model.arch === "aarch64" ? Math.floor((perVm * 4) / 5) : perVm;
  return {
    metadata: {
      title: `${model.name} · ${vcpus} vCPU / ${memoryGb} GB — ${city.name}`,
      description: `${vcpus} vCPUs on ${model.name} (${model.arch}) with ${memoryGb} GB RAM, run by ${provider.name}. ${rng.pick(CPU_DESCRIPTIONS)}`,
      category: "cpu",
      resource_type: rng.weighted([["virtual_machine", 6], ["bare_metal", 2], ["container", 2]] as const),
      location: location(city),
      specifications: {
        cpu_model: model.name,
        architecture: model.arch,
        vcpus,
        memory_gb: memoryGb,
        storage_tb: rng.pick([0.48, 0.96, 1.92, 3.84]),
        bandwidth_gbps: rng.pick([1, 10, 25]),
        region: city.region,
      },
    },
    pricePerHour: priceFromMilli(milli),
    capacity: rng.chance(0.6) ? 1 : rng.int(2, 6),
    minHours: 2,
    maxHours: rng.pick([72, 168, 336]),
  };
}

/* -------------------------------------------------------------- storage */

const STORAGE_KINDS = [
  { type: "object", label: "S3-compatible object storage", resource: "object_storage", microPerTb: [5000, 9000], sizes: [50, 100, 250, 500], protocols: ["S3"] },
  { type: "nvme", label: "NVMe block storage", resource: "block_storage", microPerTb: [80000, 140000], sizes: [2, 4, 8, 16], protocols: ["NVMe-oF", "iSCSI"] },
  { type: "hdd", label: "Cold archive storage", resource: "archive", microPerTb: [1200, 2200], sizes: [250, 500, 1000], protocols: ["S3", "SFTP"] },
  { type: "parallel_fs", label: "Lustre parallel filesystem", resource: "distributed_fs", microPerTb: [25000, 45000], sizes: [20, 50, 100], protocols: ["Lustre", "NFS"] },
] as const;

function storageOffer(rng: Prng, provider: ProviderProfile, city: City): Offer {
  const kind = rng.pick(STORAGE_KINDS);
  const sizeTb = rng.pick(kind.sizes);
  const milli = Math.floor((sizeTb * rng.int(kind.microPerTb[0], kind.microPerTb[1])) / 1000);
  const replication = kind.type === "hdd" ? 2 : 3;
  return {
    metadata: {
      title: `${kind.label} ${sizeTb} TB — ${city.name}`,
      description:
        `${sizeTb} TB of ${kind.label.toLowerCase()} in ${city.name}, ${replication}× replicated, from ${provider.name}. ` +
        rng.pick([
          "Egress to other marketplace providers in the same region is free.",
          "Encrypted at rest with per-tenant keys; versioning and lifecycle rules included.",
          "Sized for training checkpoints and dataset shards; sustained throughput, not burst credits.",
        ]),
      category: "storage",
      resource_type: kind.resource,
      location: location(city),
      specifications: {
        storage_tb: sizeTb,
        storage_type: kind.type,
        replication,
        iops: kind.type === "nvme" ? rng.pick([200000, 400000, 800000]) : kind.type === "hdd" ? 500 : rng.pick([20000, 50000]),
        throughput_mbps: kind.type === "hdd" ? rng.pick([250, 500]) : rng.pick([1000, 2000, 5000, 10000]),
        protocols: [...kind.protocols],
        bandwidth_gbps: rng.pick([10, 25, 40]),
        region: city.region,
      },
    },
    pricePerHour: priceFromMilli(Math.max(10, milli)),
    capacity: rng.int(1, 4),
    minHours: 24,
    maxHours: 720,
  };
}

/* ------------------------------------------------------------ inference */

const INFERENCE_MODELS = [
  { model: "Llama 3.1 8B Instruct", params: 8, tps: [180, 260], context: 128000, milli: [180, 320], gpu: "L4" },
  { model: "Llama 3.1 70B Instruct", params: 70, tps: [55, 95], context: 128000, milli: [1200, 2000], gpu: "H100" },
  { model: "Llama 3.1 405B Instruct", params: 405, tps: [22, 38], context: 128000, milli: [5200, 7800], gpu: "H100" },
  { model: "Mixtral 8x7B Instruct", params: 47, tps: [90, 140], context: 32768, milli: [700, 1100], gpu: "A100" },
  { model: "Qwen2.5 72B Instruct", params: 72, tps: [50, 85], context: 131072, milli: [1100, 1900], gpu: "H100" },
  { model: "Qwen2.5 Coder 32B", params: 32, tps: [70, 120], context: 131072, milli: [600, 1000], gpu: "A100" },
  { model: "Mistral 7B Instruct v0.3", params: 7, tps: [200, 300], context: 32768, milli: [150, 280], gpu: "RTX 4090" },
  { model: "DeepSeek-R1 Distill Llama 70B", params: 70, tps: [45, 80], context: 128000, milli: [1300, 2100], gpu: "H100" },
  { model: "BGE-M3 embeddings", params: 0.57, tps: [4000, 9000], context: 8192, milli: [120, 220], gpu: "L4" },
  { model: "Whisper Large v3", params: 1.55, tps: [600, 1200], context: 448, milli: [250, 450], gpu: "L40S" },
] as const;

function inferenceOffer(rng: Prng, provider: ProviderProfile, city: City): Offer {
  const m = rng.pick(INFERENCE_MODELS);
  const tokensPerSecond = rng.int(m.tps[0], m.tps[1]);
  const quantization = m.params >= 70 ? rng.pick(["fp8", "int4 (AWQ)", "bf16"]) : rng.pick(["bf16", "fp16", "fp8"]);
  const concurrency = rng.pick([4, 8, 16, 32]);
  return {
    metadata: {
      title: `${m.model} API — ${city.name}`,
      description:
        `A dedicated OpenAI-compatible endpoint serving ${m.model} (${quantization}) at about ${tokensPerSecond} tokens/s per stream, ` +
        `up to ${concurrency} concurrent requests. Hosted by ${provider.name}; ` +
        rng.pick(["prompts and outputs are never logged.", "vLLM with continuous batching and prefix caching.", "SLA 99.5%, p95 time-to-first-token under 400 ms."]),
      category: "inference_api",
      resource_type: rng.weighted([["dedicated_endpoint", 7], ["serverless_endpoint", 3]] as const),
      location: location(city),
      specifications: {
        model: m.model,
        parameters_b: m.params,
        tokens_per_second: tokensPerSecond,
        context_length: m.context,
        max_concurrency: concurrency,
        quantization,
        gpu_model: m.gpu,
        api: "openai-compatible",
        region: city.region,
      },
    },
    pricePerHour: priceFromMilli(rng.int(m.milli[0], m.milli[1])),
    capacity: rng.int(2, 12),
    minHours: 1,
    maxHours: rng.pick([24, 72]),
  };
}

/* ---------------------------------------------------- dataset processing */

const PIPELINES = [
  { name: "Spark ETL cluster", frameworks: ["Spark 3.5", "Delta Lake"], formats: ["parquet", "csv", "jsonl"], gbPerHourPerWorker: [8, 14] },
  { name: "Ray Data pipeline", frameworks: ["Ray 2.9", "PyArrow"], formats: ["parquet", "jsonl", "webdataset"], gbPerHourPerWorker: [6, 12] },
  { name: "LLM pretraining data prep", frameworks: ["datatrove", "Ray 2.9"], formats: ["jsonl", "parquet"], gbPerHourPerWorker: [4, 9] },
  { name: "Video transcoding farm", frameworks: ["FFmpeg 7", "NVENC"], formats: ["mp4", "mkv", "mov"], gbPerHourPerWorker: [10, 25] },
  { name: "Genomics alignment pipeline", frameworks: ["BWA-MEM2", "GATK 4.5", "Nextflow"], formats: ["fastq", "bam", "cram"], gbPerHourPerWorker: [2, 5] },
  { name: "Image embedding & dedup", frameworks: ["CLIP ViT-L/14", "FAISS"], formats: ["jpeg", "png", "webdataset"], gbPerHourPerWorker: [5, 10] },
] as const;

function datasetOffer(rng: Prng, provider: ProviderProfile, city: City): Offer {
  const p = rng.pick(PIPELINES);
  const workers = rng.pick([8, 16, 32, 64]);
  const vcpusPerWorker = rng.pick([4, 8, 16]);
  const throughput = workers * rng.int(p.gbPerHourPerWorker[0], p.gbPerHourPerWorker[1]);
  return {
    metadata: {
      title: `${p.name}, ${workers} workers — ${city.name}`,
      description:
        `${p.name} run by ${provider.name} as a managed service: ${workers} workers, ${workers * vcpusPerWorker} vCPUs in total, ` +
        `about ${throughput} GB/h. Bring your bucket credentials; results land back in your storage. ` +
        rng.pick(["Job logs and lineage are kept for 30 days.", "Spot-free capacity: jobs are never preempted.", "Includes a data engineer on call during business hours."]),
      category: "dataset_processing",
      resource_type: rng.weighted([["batch_pipeline", 6], ["managed_cluster", 4]] as const),
      location: location(city),
      specifications: {
        workers,
        vcpus: workers * vcpusPerWorker,
        memory_gb: workers * vcpusPerWorker * 4,
        throughput_gb_per_hour: throughput,
        frameworks: [...p.frameworks],
        input_formats: [...p.formats],
        storage_tb: rng.pick([10, 25, 50, 100]),
        region: city.region,
      },
    },
    pricePerHour: priceFromMilli(workers * vcpusPerWorker * rng.int(6, 14)),
    capacity: rng.chance(0.5) ? 1 : rng.int(2, 3),
    minHours: 2,
    maxHours: 48,
  };
}
