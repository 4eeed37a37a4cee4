//! Which runtime runs the face models. tract (pure Rust, compiled in) is the default and the
//! fallback. onnxruntime, about twice as fast on these nets, is used when a
//! `libonnxruntime` of version 1.17 or newer (the oldest API `ort` 2.0.0-rc.15 asks for) is
//! found at run time and every model commits in it: `IDBOOTH_ONNXRUNTIME=/path/to/lib`, else
//! `ORT_DYLIB_PATH`, else where `pip install onnxruntime` puts it. `IDBOOTH_RUNTIME=tract`
//! forces tract. Any failure logs one line and falls back to tract; nothing here panics.
//!
//! Threads: an onnxruntime session needs `&mut` to run, and the pipeline runs nets side by
//! side (the mesh and its mirror image under `rayon::join`, the live worker beside a still
//! photo), so each net keeps a small pool of sessions behind mutexes. A session's lock is
//! held only for one inference on the calling thread (one intra-op thread, no rayon inside),
//! so a thread that has to wait for one waits a few milliseconds, never for a task it would
//! have to run itself.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, TryLockError};

use tract_onnx::prelude::*;

/// Output tensors as (shape, values).
pub type Outputs = Vec<(Vec<usize>, Vec<f32>)>;

/// A runtime the models can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    Tract,
    Onnxruntime,
}

impl Runtime {
    /// What the environment asks for: `IDBOOTH_RUNTIME=tract` forces tract; otherwise
    /// onnxruntime when it can be found and loaded.
    pub fn preferred() -> Runtime {
        match std::env::var("IDBOOTH_RUNTIME").map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            Ok("tract") => Runtime::Tract,
            Ok("" | "onnxruntime" | "ort" | "auto") | Err(_) => Runtime::Onnxruntime,
            Ok(other) => {
                tracing::warn!("IDBOOTH_RUNTIME={other:?} is neither `tract` nor `onnxruntime`: trying onnxruntime");
                Runtime::Onnxruntime
            }
        }
    }
}

/// A loaded onnxruntime library (at most one per process).
pub struct Onnxruntime {
    env: ort::environment::Environment,
    pub path: PathBuf,
    /// As the library reports it ("1.32.0").
    pub version: String,
}

static ORT: OnceLock<Result<Onnxruntime, String>> = OnceLock::new();

impl Onnxruntime {
    /// The process's onnxruntime, loaded on first call from the first candidate library that
    /// loads (see the module's comment); Err says why there is none.
    pub fn get() -> Result<&'static Onnxruntime, String> {
        ORT.get_or_init(|| {
            let candidates = candidates();
            if candidates.is_empty() {
                return Err(
                    "no libonnxruntime found (IDBOOTH_ONNXRUNTIME, ORT_DYLIB_PATH, Python site-packages)".into()
                );
            }
            let mut why = Vec::new();
            for path in candidates {
                match guarded(|| Onnxruntime::load(&path)) {
                    Ok(o) => return Ok(o),
                    Err(e) => why.push(e),
                }
            }
            Err(why.join("; "))
        })
        .as_ref()
        .map_err(Clone::clone)
    }

    fn load(path: &Path) -> Result<Onnxruntime, String> {
        // ort checks the version (1.17 or newer) but panics if the API table then fails, and
        // keeps a library once it opened it: check both first, on a handle kept open (so ort's
        // own dlopen of the same file takes another reference rather than loading it again).
        let (lib, version) = precheck(path)?;
        let builder = ort::init_from(path).map_err(|e| e.to_string())?;
        std::mem::forget(lib);
        let env = builder.with_name("idbooth").build().map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Onnxruntime { env, path: path.to_path_buf(), version })
    }
}

/// The oldest onnxruntime `ort` 2.0.0-rc.15 (with no `api-*` feature) can drive: 1.17.
const MIN_MINOR: u32 = ort::MINOR_VERSION;

/// Open `path` and check it is an onnxruntime of version 1.17 or newer that hands out the
/// API table ort asks for (version 17).
fn precheck(path: &Path) -> Result<(libloading::Library, String), String> {
    #[repr(C)]
    struct ApiBase {
        get_api: unsafe extern "C" fn(u32) -> *const std::ffi::c_void,
        get_version_string: unsafe extern "C" fn() -> *const std::ffi::c_char,
    }
    let shown = path.display();
    // SAFETY: loading a library runs its initialisers; the file is one the user or a Python
    // installation named as onnxruntime. OrtGetApiBase's layout is ONNX Runtime's stable C ABI.
    unsafe {
        let lib = libloading::Library::new(path).map_err(|e| format!("{shown}: {e}"))?;
        let base: libloading::Symbol<unsafe extern "C" fn() -> *const ApiBase> =
            lib.get(b"OrtGetApiBase\0").map_err(|_| format!("{shown} is not onnxruntime (no OrtGetApiBase)"))?;
        let base = base();
        if base.is_null() {
            return Err(format!("{shown}: OrtGetApiBase returned nothing"));
        }
        let v = ((*base).get_version_string)();
        let version =
            if v.is_null() { String::new() } else { std::ffi::CStr::from_ptr(v).to_string_lossy().into_owned() };
        let minor = version.strip_prefix("1.").and_then(|r| r.split('.').next()).and_then(|m| m.parse::<u32>().ok());
        match minor {
            Some(m) if m >= MIN_MINOR => {}
            _ => return Err(format!("{shown} is onnxruntime {version:?}; 1.{MIN_MINOR} or newer is needed")),
        }
        if ((*base).get_api)(MIN_MINOR).is_null() {
            return Err(format!("{shown} (onnxruntime {version}) does not provide API version {MIN_MINOR}"));
        }
        Ok((lib, version))
    }
}

/// Run `f`, turning a panic inside it (a foreign library misbehaving) into an error.
fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        Err(format!("onnxruntime panicked: {msg}"))
    })
}

/// The libraries to try, in order: `IDBOOTH_ONNXRUNTIME` alone when it is set; else
/// `ORT_DYLIB_PATH`, then the `onnxruntime/capi/libonnxruntime.so*` of Python
/// installations (an active virtualenv or conda, the user's, /usr/local, /usr, pyenv).
pub fn candidates() -> Vec<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(p) = var("IDBOOTH_ONNXRUNTIME") {
        return vec![p];
    }
    let mut out: Vec<PathBuf> = var("ORT_DYLIB_PATH").into_iter().collect();
    let mut roots: Vec<PathBuf> = Vec::new();
    roots.extend(var("VIRTUAL_ENV").map(|v| v.join("lib")));
    roots.extend(var("CONDA_PREFIX").map(|v| v.join("lib")));
    let home = var("HOME");
    roots.extend(home.as_ref().map(|h| h.join(".local/lib")));
    roots.push("/usr/local/lib".into());
    roots.push("/usr/lib".into());
    if let Some(h) = &home {
        for v in sorted_dirs(&var("PYENV_ROOT").unwrap_or_else(|| h.join(".pyenv")).join("versions")) {
            roots.push(v.join("lib"));
        }
    }
    for root in roots {
        for py in sorted_dirs(&root).into_iter().filter(|d| file_name(d).starts_with("python3")) {
            for pkgs in ["site-packages", "dist-packages"] {
                let capi = py.join(pkgs).join("onnxruntime/capi");
                out.extend(sorted_files(&capi).into_iter().filter(|f| file_name(f).starts_with("libonnxruntime.")));
            }
        }
    }
    out.dedup();
    out
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Entries of `dir` (newest-looking name first: python3.12 before python3.11).
fn entries(dir: &Path, want_dir: bool) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).filter(|p| p.is_dir() == want_dir).collect())
        .unwrap_or_default();
    v.sort_by_key(|p| std::cmp::Reverse(natural_key(&file_name(p))));
    v
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    entries(dir, true)
}

fn sorted_files(dir: &Path) -> Vec<PathBuf> {
    entries(dir, false)
}

/// "python3.12" sorts after "python3.9".
fn natural_key(s: &str) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let text_end = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let (text, tail) = rest.split_at(text_end);
        let num_end = tail.find(|c: char| !c.is_ascii_digit()).unwrap_or(tail.len());
        let (num, tail) = tail.split_at(num_end);
        out.push((num.parse().unwrap_or(0), text.to_string()));
        rest = tail;
    }
    out
}

/// One model, ready to run on either runtime.
pub enum Engine {
    Tract(Arc<TypedSimplePlan>),
    Onnxruntime(Pool),
}

/// Sessions of one model; each runs one inference at a time.
pub struct Pool {
    sessions: Vec<Mutex<ort::session::Session>>,
    next: AtomicUsize,
}

/// Sessions per net: two nets of the same kind run side by side at most per core.
fn pool_size() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 4)
}

/// An ONNX model optimised by tract, with the operators tract runs slowly swapped for ours:
/// 1×1 convolutions (with what follows them in the same pass), depthwise convolutions and
/// transposed convolutions before tract's code generation (which would turn them into its
/// own, `pointwise.rs`, `depthwise.rs`, `deconv.rs`), 2×2 max pools after it (`maxpool.rs`).
pub fn tract_model(bytes: &[u8], shape: &[usize]) -> TractResult<TypedModel> {
    let model = tract_onnx::onnx()
        .model_for_read(&mut &bytes[..])?
        .with_input_fact(0, f32::fact(shape).into())?
        .into_typed()?
        .into_decluttered()?;
    let model = super::pointwise::fast_pointwise(model)?;
    let mut model = super::deconv::fast_deconv(super::depthwise::fast_depthwise(model)?)?;
    model.optimize()?;
    super::maxpool::fast_max_pools(model)
}

/// For tests of tract's models: tract's own optimisation of `bytes` (without our operators),
/// the number of nodes running `op` in a model, and a model's outputs on a fixed input.
#[cfg(test)]
pub(crate) mod tract_test {
    use super::*;

    pub fn tracts_own(bytes: &[u8], shape: &[usize]) -> TractResult<TypedModel> {
        tract_onnx::onnx()
            .model_for_read(&mut &bytes[..])?
            .with_input_fact(0, f32::fact(shape).into())?
            .into_optimized()
    }

    pub fn count(m: &TypedModel, op: &str) -> usize {
        m.nodes().iter().filter(|n| n.op().name() == op).count()
    }

    pub fn outputs(m: TypedModel, shape: &[usize]) -> TractResult<Vec<Vec<f32>>> {
        let input: Vec<f32> =
            (0..shape.iter().product()).map(|i: usize| ((i * 7919) % 255) as f32 / 127.5 - 1.0).collect();
        let out = m.into_runnable()?.run(tvec!(Tensor::from_shape(shape, &input)?.into()))?;
        out.iter().map(|t| Ok(t.to_plain_array_view::<f32>()?.iter().copied().collect())).collect()
    }
}

impl Engine {
    /// Load `bytes` (an ONNX model with one float input of `shape`) on `runtime`.
    pub fn load(runtime: Runtime, bytes: &[u8], shape: &[usize]) -> Result<Engine, String> {
        match runtime {
            Runtime::Tract => {
                let load = || -> TractResult<Arc<TypedSimplePlan>> { tract_model(bytes, shape)?.into_runnable() };
                load().map(Engine::Tract).map_err(|e| e.to_string())
            }
            Runtime::Onnxruntime => {
                let ort = Onnxruntime::get()?;
                guarded(|| {
                    let sessions = (0..pool_size())
                        .map(|_| ort.session(bytes, shape).map(Mutex::new))
                        .collect::<Result<Vec<_>, String>>()?;
                    Ok(Engine::Onnxruntime(Pool { sessions, next: AtomicUsize::new(0) }))
                })
            }
        }
    }

    pub fn runtime(&self) -> Runtime {
        match self {
            Engine::Tract(_) => Runtime::Tract,
            Engine::Onnxruntime(_) => Runtime::Onnxruntime,
        }
    }

    /// Run on one input of `shape` (the shape it was loaded for).
    pub fn run(&self, shape: &[usize], input: Vec<f32>) -> Result<Outputs, String> {
        match self {
            Engine::Tract(plan) => {
                let out = plan.run(tvec!(tract_input(shape, input)?)).map_err(|e| e.to_string())?;
                out.iter()
                    .map(|v| {
                        let view = v.to_plain_array_view::<f32>().map_err(|e| e.to_string())?;
                        Ok((v.shape().to_vec(), view.iter().copied().collect()))
                    })
                    .collect()
            }
            Engine::Onnxruntime(pool) => {
                let tensor = ort::value::Tensor::from_array((shape.to_vec(), input)).map_err(|e| e.to_string())?;
                let mut session = pool.take();
                let out = session.run(ort::inputs![tensor]).map_err(|e| e.to_string())?;
                out.values()
                    .map(|v| {
                        let (shape, data) = v.try_extract_tensor::<f32>().map_err(|e| e.to_string())?;
                        Ok((shape.iter().map(|&d| d.max(0) as usize).collect(), data.to_vec()))
                    })
                    .collect()
            }
        }
    }

    /// Run once and time every operation of tract's optimised plan: (operation,
    /// milliseconds), in plan order. None on onnxruntime.
    pub fn profile(&self, shape: &[usize], input: Vec<f32>) -> Result<Option<Vec<(String, f64)>>, String> {
        let Engine::Tract(plan) = self else { return Ok(None) };
        let mut state = plan.spawn().map_err(|e| e.to_string())?;
        let mut times = Vec::new();
        state
            .run_plan_with_eval(tvec!(tract_input(shape, input)?), |ctx, op_state, node, inputs| {
                let t = std::time::Instant::now();
                let r = tract_onnx::tract_core::plan::eval(ctx, op_state, node, inputs);
                times.push((format!("{} {}", node.op().name(), node.name), t.elapsed().as_secs_f64() * 1e3));
                r
            })
            .map_err(|e| e.to_string())?;
        Ok(Some(times))
    }
}

fn tract_input(shape: &[usize], input: Vec<f32>) -> Result<TValue, String> {
    let a = tract_ndarray::ArrayD::from_shape_vec(shape, input).map_err(|e| e.to_string())?;
    Ok(a.into_tensor().into())
}

impl Onnxruntime {
    fn session(&self, bytes: &[u8], shape: &[usize]) -> Result<ort::session::Session, String> {
        use ort::session::builder::GraphOptimizationLevel;
        let e = |e: ort::Error<ort::session::builder::SessionBuilder>| e.to_string();
        // One thread per session: parallelism comes from running nets side by side.
        let mut b = ort::session::Session::builder(&self.env)
            .map_err(|e| e.to_string())?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(e)?
            .with_intra_threads(1)
            .map_err(e)?
            .with_inter_threads(1)
            .map_err(e)?
            .with_intra_op_spinning(false)
            .map_err(e)?;
        let s = b.commit_from_memory(bytes).map_err(|e| e.to_string())?;
        let [input] = s.inputs() else { return Err(format!("{} inputs, expected 1", s.inputs().len())) };
        let fits = match input.dtype() {
            ort::value::ValueType::Tensor { ty: ort::value::TensorElementType::Float32, shape: dims, .. } => {
                dims.len() == shape.len() && dims.iter().zip(shape).all(|(&d, &s)| d < 0 || d as usize == s)
            }
            _ => false,
        };
        if !fits {
            return Err(format!("input {:?}, expected f32 {shape:?}", input.dtype()));
        }
        Ok(s)
    }
}

impl Pool {
    /// A free session, or if every one is busy, wait for one (in turn): a session is held
    /// for one inference only.
    fn take(&self) -> MutexGuard<'_, ort::session::Session> {
        for s in &self.sessions {
            match s.try_lock() {
                Ok(g) => return g,
                Err(TryLockError::Poisoned(p)) => return p.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.sessions.len();
        self.sessions[i].lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_versions_sort_newest_first() {
        let mut v = vec!["python3.9", "python3.12", "python3.11"];
        v.sort_by_key(|s| std::cmp::Reverse(natural_key(s)));
        assert_eq!(v, ["python3.12", "python3.11", "python3.9"]);
    }

    #[test]
    fn missing_or_foreign_libraries_are_refused_with_a_reason() {
        // The check before ort sees a library (ort's own state is left alone).
        let refused = |p: &str| precheck(Path::new(p)).map(|_| ()).expect_err(p);
        let e = refused("/nonexistent/libonnxruntime.so.1.99.0");
        assert!(e.contains("/nonexistent"), "{e}");
        let e = refused("libc.so.6");
        assert!(e.contains("not onnxruntime"), "{e}");
    }
}
