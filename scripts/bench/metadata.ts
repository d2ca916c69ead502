/**
 * Listing metadata shaped like what providers publish: title, description, category, resource type,
 * location and category-specific specifications, 200-500 bytes of JSON. A small share is broken on
 * purpose (not JSON, or JSON of the wrong shape), as some providers' will be, so the mirror's
 * bad-data path is part of what is measured.
 */
import type { Random } from "./random.js";

type Spec = Record<string, string | number | boolean | string[]>;
type Offering = { title: string; category: string; resourceType: string; specs: (r: Random) => Spec };

const GPUS: [string, number][] = [
  ["NVIDIA H100 SXM", 80],
  ["NVIDIA A100", 80],
  ["NVIDIA A100", 40],
  ["NVIDIA L40S", 48],
  ["NVIDIA RTX 4090", 24],
  ["NVIDIA RTX A6000", 48],
  ["AMD Instinct MI300X", 192],
];
const MODELS = [
  "Llama 3.1 70B",
  "Llama 3.1 8B",
  "Mistral 7B",
  "Mixtral 8x7B",
  "Qwen2.5 32B",
  "SDXL 1.0",
  "Whisper large-v3",
];
const LOCATIONS = [
  "eu-west (Frankfurt, DE)",
  "eu-north (Stockholm, SE)",
  "us-east (Ashburn, VA)",
  "us-west (Hillsboro, OR)",
  "ap-south (Mumbai, IN)",
  "ap-northeast (Tokyo, JP)",
  "sa-east (São Paulo, BR)",
  "af-south (Cape Town, ZA)",
];
const PHRASES = [
  "Dedicated hardware, no noisy neighbours.",
  "NVMe scratch space included.",
  "99.9% uptime over the last quarter.",
  "SSH and Jupyter access within two minutes of acceptance.",
  "Green energy: hydro-powered datacentre.",
  "Bring your own container image.",
  "Ideal for fine-tuning and batch inference.",
  "Low-latency peering to major clouds.",
  "Support by chat during business hours.",
  "Weekly maintenance window on Sunday 02:00 UTC.",
];

const OFFERINGS: Offering[] = [
  {
    title: "GPU node",
    category: "gpu",
    resourceType: "compute",
    specs: (r) => {
      const [gpu, memory] = r.pick(GPUS);
      return {
        gpu,
        gpu_count: r.pick([1, 2, 4, 8]),
        gpu_memory_gb: memory,
        vcpus: r.pick([16, 32, 64, 128]),
        ram_gb: r.pick([64, 128, 256, 512]),
        interconnect: r.pick(["PCIe", "NVLink", "InfiniBand"]),
      };
    },
  },
  {
    title: "Inference API",
    category: "ai-service",
    resourceType: "api",
    specs: (r) => ({
      model: r.pick(MODELS),
      max_tokens: r.pick([4096, 8192, 32768, 131072]),
      rate_limit_rpm: r.pick([60, 600, 6000]),
      streaming: r.chance(0.7),
    }),
  },
  {
    title: "Fine-tuning service",
    category: "ai-service",
    resourceType: "managed",
    specs: (r) => ({
      base_model: r.pick(MODELS),
      method: r.pick(["LoRA", "QLoRA", "full"]),
      max_dataset_gb: r.pick([10, 50, 200]),
    }),
  },
  {
    title: "Spark cluster",
    category: "data-processing",
    resourceType: "cluster",
    specs: (r) => ({
      workers: r.int(2, 64),
      vcpus_per_worker: r.pick([4, 8, 16]),
      ram_gb_per_worker: r.pick([16, 32, 64]),
      spark_version: r.pick(["3.4", "3.5"]),
    }),
  },
  {
    title: "Video transcoding",
    category: "data-processing",
    resourceType: "pipeline",
    specs: (r) => ({
      codecs: ["h264", "hevc", "av1"].slice(0, r.int(1, 3)),
      max_resolution: r.pick(["1080p", "4K", "8K"]),
      hw_accel: r.chance(0.6),
    }),
  },
  {
    title: "CPU server",
    category: "cpu",
    resourceType: "compute",
    specs: (r) => ({
      cpu: r.pick(["AMD EPYC 9654", "Intel Xeon 8480+", "Ampere Altra Max"]),
      vcpus: r.pick([32, 64, 96, 192]),
      ram_gb: r.pick([128, 256, 768]),
    }),
  },
  {
    title: "Object storage",
    category: "storage",
    resourceType: "storage",
    specs: (r) => ({
      capacity_tb: r.pick([1, 10, 100]),
      s3_compatible: true,
      redundancy: r.pick(["single-site", "erasure-coded", "3x replicated"]),
    }),
  },
];

export type Metadata = { text: string; valid: boolean };

/** One listing's metadata; `valid` says whether it is well-formed, for the caller's own counts. */
export function listingMetadata(r: Random, serial: number): Metadata {
  const offering = r.pick(OFFERINGS);
  const specifications = offering.specs(r);
  const first = Object.values(specifications)[0];
  const title = `${offering.title}: ${Array.isArray(first) ? first.join("/") : first} #${serial}`;
  const phrases: string[] = [];
  const wanted = r.int(1, 4);
  while (phrases.length < wanted) {
    const phrase = r.pick(PHRASES);
    if (!phrases.includes(phrase)) phrases.push(phrase);
  }
  const doc = {
    title,
    description: phrases.join(" "),
    category: offering.category,
    resource_type: offering.resourceType,
    location: r.pick(LOCATIONS),
    specifications,
  };
  const roll = r.next();
  // About one in five hundred is broken: truncated JSON, or a JSON array instead of an object.
  if (roll < 0.001) return { text: JSON.stringify(doc).slice(0, 120), valid: false };
  if (roll < 0.002) return { text: JSON.stringify([doc.title, doc.category]), valid: false };
  return { text: JSON.stringify(doc), valid: true };
}
