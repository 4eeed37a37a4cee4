//! Per-operation profile of one ONNX net as the app runs it (tract, optimised plan, one
//! thread): `cargo run --release --features tools --example netprof -- MODEL.onnx SHAPE [RUNS]`, SHAPE as
//! the model's input, e.g. `1,192,192,3` (or `1,27,96,96` for a patch input).
//! Used to find the slow operations behind tools/models' graph rewrites. `NETPROF_TOP=N` lists the
//! N slowest nodes (12), `NETPROF_INFO=1` with their input shapes and settings.

use std::time::Instant;

use tract_onnx::prelude::*;

fn main() -> TractResult<()> {
    let args: Vec<String> = std::env::args().collect();
    let path = &args[1];
    let shape: Vec<usize> = args[2].split(',').map(|d| d.parse()).collect::<Result<_, _>>()?;
    let runs: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(30);
    // As the app runs it, with its own pools and depthwise convolutions (NETPROF_TRACT_OPS=1:
    // tract's own).
    let plan = if std::env::var("NETPROF_TRACT_OPS").is_ok() {
        tract_onnx::onnx().model_for_path(path)?.with_input_fact(0, f32::fact(&shape).into())?.into_optimized()?
    } else {
        idbooth::detect::runtime::tract_model(&std::fs::read(path)?, &shape)?
    }
    .into_runnable()?;
    let input: Vec<f32> = (0..shape.iter().product::<usize>()).map(|i| ((i * 7919) % 255) as f32 / 255.0).collect();
    // Plain runs first (no per-op timing overhead): median and min.
    let mut plain = Vec::new();
    for _ in 0..runs {
        let t = Tensor::from_shape(&shape, &input)?;
        let t0 = Instant::now();
        plan.run(tvec!(t.into()))?;
        plain.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    plain.sort_by(f64::total_cmp);
    println!("{path}: run median {:.3} ms, min {:.3} ms", plain[plain.len() / 2], plain[0]);
    let mut acc: Vec<(String, f64)> = Vec::new();
    let mut whole = Vec::new();
    for r in 0..=runs {
        let t = Tensor::from_shape(&shape, &input)?;
        let mut state = plan.spawn()?;
        let mut times = Vec::new();
        let t0 = Instant::now();
        state.run_plan_with_eval(tvec!(t.into()), |ctx, op_state, node, inputs| {
            let t = Instant::now();
            let r = tract_onnx::tract_core::plan::eval(ctx, op_state, node, inputs);
            times.push((format!("{} {}", node.op().name(), node.name), t.elapsed().as_secs_f64() * 1e3));
            r
        })?;
        whole.push(t0.elapsed().as_secs_f64() * 1e3);
        if r == 0 {
            acc = times.iter().map(|(k, _)| (k.clone(), 0.0)).collect();
        } else {
            for (a, (_, t)) in acc.iter_mut().zip(times) {
                a.1 += t;
            }
        }
    }
    whole.sort_by(f64::total_cmp);
    let per = |t: f64| t / runs as f64;
    println!(
        "  profiled run median {:.3} ms, sum of ops {:.3} ms",
        whole[whole.len() / 2],
        per(acc.iter().map(|a| a.1).sum())
    );
    let mut by: Vec<(String, f64)> = Vec::new();
    for (k, t) in &acc {
        let kind = k.split_whitespace().next().unwrap_or_default().to_string();
        match by.iter_mut().find(|b| b.0 == kind) {
            Some(b) => b.1 += t,
            None => by.push((kind, *t)),
        }
    }
    by.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (k, t) in &by {
        println!("  {k:28} {:6.3} ms", per(*t));
    }
    acc.sort_by(|a, b| b.1.total_cmp(&a.1));
    println!(" slowest nodes:");
    let top = std::env::var("NETPROF_TOP").ok().and_then(|v| v.parse().ok()).unwrap_or(12);
    for (k, t) in acc.iter().take(top) {
        println!("  {:6.3} ms  {k}", per(*t));
        // What the node is: shapes, strides, padding (NETPROF_INFO=1).
        if std::env::var("NETPROF_INFO").is_ok() {
            let name = k.split_once(' ').map_or("", |p| p.1);
            if let Some(n) = plan.model().nodes().iter().find(|n| n.name == name) {
                let input = plan.model().outlet_fact(n.inputs[0])?;
                println!("           input {:?}  {:?}", input.shape, n.op().info()?);
            }
        }
    }
    Ok(())
}
