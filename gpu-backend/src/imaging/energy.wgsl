// Attention energy: Sobel magnitude of integer luma, summed per cell.
// Integer arithmetic only, so the CPU path (crop.rs) gets the same map
// bit for bit and both pick the same crop.

struct Params {
    width: u32,
    height: u32,
    cell: u32,
    cols: u32,
    rows: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> energy_out: array<u32>;

fn at(x: i32, y: i32) -> i32 {
    let cx = u32(clamp(x, 0, i32(params.width) - 1));
    let cy = u32(clamp(y, 0, i32(params.height) - 1));
    let p = src[cy * params.width + cx];
    return i32((77u * (p & 255u) + 150u * ((p >> 8u) & 255u) + 29u * ((p >> 16u) & 255u)) >> 8u);
}

@compute @workgroup_size(8, 8)
fn energy(@builtin(global_invocation_id) id: vec3<u32>) {
    if id.x >= params.cols || id.y >= params.rows {
        return;
    }
    let x0 = id.x * params.cell;
    let y0 = id.y * params.cell;
    let x1 = min(x0 + params.cell, params.width);
    let y1 = min(y0 + params.cell, params.height);
    var sum = 0u;
    for (var yu = y0; yu < y1; yu++) {
        for (var xu = x0; xu < x1; xu++) {
            let x = i32(xu);
            let y = i32(yu);
            let gx = at(x + 1, y - 1) + 2 * at(x + 1, y) + at(x + 1, y + 1)
                - at(x - 1, y - 1) - 2 * at(x - 1, y) - at(x - 1, y + 1);
            let gy = at(x - 1, y + 1) + 2 * at(x, y + 1) + at(x + 1, y + 1)
                - at(x - 1, y - 1) - 2 * at(x, y - 1) - at(x + 1, y - 1);
            sum += u32(abs(gx)) + u32(abs(gy));
        }
    }
    energy_out[id.y * params.cols + id.x] = sum;
}
